//! The keyword registry cannot drift from keepalived: every keyword of keepalived 2.2.7 and
//! 2.3.4 (their own parser tables, crates/conf/data) has a status, every `Acts` test exists,
//! every `ActsUntested` place still reads the value, and docs/keywords.md is current.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use keepalived_conf::registry::{self, Status};
use keepalived_conf::{load_str, FixedHost, ReadOptions};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn keywords(version: &str) -> Vec<(String, String)> {
    let path = repo().join(format!("crates/conf/data/keywords-{version}.tsv"));
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            (f.next().unwrap().to_owned(), f.next().unwrap().to_owned())
        })
        .collect()
}

const VERSIONS: [&str; 2] = ["2.2.7", "2.3.4"];

#[test]
fn every_keepalived_keyword_has_a_status() {
    let mut missing = Vec::new();
    for v in VERSIONS {
        let kws = keywords(v);
        assert!(kws.len() > 400, "{v}: only {} keywords read", kws.len());
        for (sec, kw) in kws {
            if registry::lookup(&sec, &kw).is_none() {
                missing.push(format!("{v}: {sec} {kw}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keywords with no status:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_registry_names_only_keepalived_keywords() {
    let known: BTreeSet<(String, String)> = VERSIONS.iter().flat_map(|v| keywords(v)).collect();
    let extra: Vec<String> = registry::entries()
        .filter(|(s, k, _)| !known.contains(&(s.to_string(), k.to_string())))
        .map(|(s, k, _)| format!("{s} {k}"))
        .collect();
    assert!(
        extra.is_empty(),
        "not keepalived keywords:\n{}",
        extra.join("\n")
    );
}

/// `file::ident`: the file, and whether it contains `pattern(ident)`.
fn check_ref(r: &str, pattern: impl Fn(&str) -> String) -> Result<(), String> {
    let (file, ident) = r.split_once("::").ok_or(format!("{r}: not file::name"))?;
    let text =
        std::fs::read_to_string(repo().join(file)).map_err(|e| format!("{r}: {file}: {e}"))?;
    if text.contains(&pattern(ident)) {
        Ok(())
    } else {
        Err(format!("{r}: `{}` not in {file}", pattern(ident)))
    }
}

/// `tests/scenarios/NAME.scn`: a differential scenario, run beside keepalived by
/// `crates/keepalived-rs/tests/scenarios.rs::differential_scenarios`; it must exist and not
/// be listed in `tests/scenarios/PENDING` (a pending scenario does not match keepalived).
fn check_scenario(r: &str) -> Result<(), String> {
    let name = r
        .strip_prefix("tests/scenarios/")
        .and_then(|n| n.strip_suffix(".scn"))
        .filter(|n| !n.contains('/'))
        .ok_or(format!("{r}: not tests/scenarios/NAME.scn"))?;
    if !repo().join(r).is_file() {
        return Err(format!("{r}: no such scenario"));
    }
    let pending =
        std::fs::read_to_string(repo().join("tests/scenarios/PENDING")).unwrap_or_default();
    if pending.lines().any(|l| l.split(':').next() == Some(name)) {
        return Err(format!("{r}: pending (tests/scenarios/PENDING)"));
    }
    Ok(())
}

#[test]
fn every_acts_test_exists_and_every_untested_place_reads_the_value() {
    let mut bad = BTreeSet::new();
    for rule in registry::rules() {
        let res = match rule.status {
            Status::Acts { test } if test.ends_with(".scn") => check_scenario(test),
            Status::Acts { test } => check_ref(test, |f| format!("fn {f}(")),
            Status::ActsUntested { read_in } => check_ref(read_in, str::to_owned),
            Status::Cosmetic { why } | Status::NotSupported { why } => {
                if why.is_empty() {
                    Err(format!("{}: no reason", rule.keywords))
                } else {
                    Ok(())
                }
            }
        };
        if let Err(e) = res {
            bad.insert(e);
        }
    }
    assert!(
        bad.is_empty(),
        "{}",
        bad.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn docs_keywords_md_is_current() {
    let versions: Vec<(&str, Vec<(String, String)>)> =
        VERSIONS.iter().map(|v| (*v, keywords(v))).collect();
    let want = registry::markdown(&versions);
    let path = repo().join("docs/keywords.md");
    if std::env::var_os("UPDATE_KEYWORDS_DOC").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/keywords.md is stale: UPDATE_KEYWORDS_DOC=1 cargo test -p keepalived-conf --test keyword_registry"
    );
}

#[test]
fn unsupported_keywords_are_warned_by_name_and_line_without_changing_the_verdict() {
    let text = "global_defs {\n    router_id r1\n}\nnamespace_with_ipsets\n\
                virtual_server 10.0.0.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    \
                real_server 10.0.0.2 80 {\n        HTTP_GET {\n            url {\n                \
                path /\n                regex_stack 1000\n            }\n        }\n    }\n}\n";
    let host = FixedHost::lab();
    let l = load_str(text, Path::new("k.conf"), &ReadOptions::default(), &host);
    let names: Vec<(String, u32)> = l
        .config
        .unsupported_keywords()
        .iter()
        .map(|u| (u.keyword.clone(), u.location.line))
        .collect();
    assert_eq!(
        names,
        [
            ("namespace_with_ipsets".to_owned(), 4),
            ("regex_stack".to_owned(), 13)
        ]
    );
    let warned: Vec<String> = l
        .config
        .unsupported_keywords()
        .iter()
        .map(|u| u.to_string())
        .collect();
    assert!(
        warned
            .iter()
            .any(|w| w.starts_with("k.conf:13: warning: regex_stack: not supported")),
        "{warned:?}"
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.diagnostics.config_test_exit_code(), 0);
}

/// A configuration using keepalived 2.3.x keywords: `-t` is as clean as keepalived 2.3 would
/// be (no error), and each keyword we do not act on is named.
#[test]
fn a_keepalived_2_3_configuration_is_clean_and_its_new_keywords_are_named() {
    let text = "global_defs {\n    v3_checksum_as_v2\n    json_version 2\n    \
                vrrp_owner_ignore_adverts\n    state_dump_file /run/k.data\n    \
                stats_dump_file /run/k.stats\n    json_dump_file /run/k.json\n    \
                use_symlink_paths\n    lvs_flush_onstop\n    vrrp_rlimit_rtime 10000\n}\n\
                vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    \
                priority 100\n    no_virtual_ipaddress\n    unicast_peer {\n        10.0.0.7\n        \
                10.0.0.7\n    }\n    v3_checksum_as_v2\n    \
                nopreempt\n    timer_expired_backup\n}\n\
                virtual_server 10.0.0.1 443 {\n    protocol TCP\n    lb_algo sh\n    lb_kind NAT\n    hashed\n    real_server 10.0.0.2 443 {\n        \
                SSL_GET {\n            tls_compliant\n            url {\n                \
                path /\n                tls_compliant\n            }\n        }\n    }\n}\n";
    let host = FixedHost::lab();
    let l = load_str(text, Path::new("k23.conf"), &ReadOptions::default(), &host);
    let errors: Vec<String> = l
        .diagnostics
        .iter()
        .filter(|d| d.severity == keepalived_conf::Severity::Error)
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let named: BTreeSet<&str> = l
        .config
        .unsupported_keywords()
        .iter()
        .map(|u| u.keyword.as_str())
        .collect();
    // The 2.3 keywords acted on are not named.
    for kw in [
        "v3_checksum_as_v2",
        "json_version",
        "vrrp_owner_ignore_adverts",
        "state_dump_file",
        "timer_expired_backup",
        "use_symlink_paths",
        "tls_compliant",
        "hashed",
    ] {
        assert!(!named.contains(kw), "{kw} named: {named:?}");
    }
    // Acted-on synonyms are not named.
    assert!(!named.contains("lvs_flush_onstop") && !named.contains("vrrp_rlimit_rtime"));
    assert_eq!(l.config.global.vrrp_process.rlimit_rttime, Some(10000));
    // keepalived 2.3 drops a repeated unicast_peer.
    assert_eq!(l.config.vrrp.instances[0].unicast_peers.len(), 1);
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.message.contains("duplicate unicast_peer")));
}
