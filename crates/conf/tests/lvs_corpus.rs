//! The LVS configurations of tests/compat get keepalived 2.2.7's `-t` verdict.

use std::path::{Path, PathBuf};

use keepalived_conf::{load_str, FixedHost, ReadOptions, Severity};

fn compat() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/compat")
}

#[test]
fn lvs_configs_match_keepalived_exit_codes() {
    let dir = compat();
    let expected = std::fs::read_to_string(dir.join("expected.tsv")).expect("expected.tsv");
    let mut mismatches = Vec::new();
    let mut seen = 0;
    for line in expected.lines() {
        let mut f = line.split('\t');
        let (Some(name), Some(code), Some(line_no)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let Ok(code) = code.parse::<i32>() else {
            continue;
        };
        let path = dir.join("configs").join(format!("{name}.conf"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Only the LVS family; scripts-security verdicts (rc 6) belong to another family.
        if !text.contains("virtual_server") || code == 6 {
            continue;
        }
        seen += 1;
        let text = text.replace("@@COMPAT@@", &dir.display().to_string());
        let l = load_str(&text, &path, &ReadOptions::default(), &FixedHost::lab());
        let got = l.diagnostics.config_test_exit_code();
        // keepalived crashes (139) on HTTP_GET without url; we report an error instead.
        let want = if code == 139 { 5 } else { code };
        let first_line = l
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
            .and_then(|d| d.location.as_ref().map(|x| x.line.to_string()));
        // keepalived's crash line (the closing brace) is not one we can point at.
        let line_ok = line_no == "-" || code == 139 || first_line.as_deref() == Some(line_no);
        if got != want || !line_ok {
            let diags: Vec<String> = l.diagnostics.iter().map(|d| d.to_string()).collect();
            mismatches.push(format!(
                "{name}: want {want} at line {line_no}, got {got} at {first_line:?}: {diags:?}"
            ));
        }
    }
    assert!(seen > 20, "only {seen} LVS configs found");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
