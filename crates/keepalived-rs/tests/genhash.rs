//! `-T` (genhash mode) against a web server in a network namespace: ours prints what
//! keepalived 2.2.7's genhash prints (the page's MD5, a 404 page's MD5, "Connection failed").

use std::process::{Command, Stdio};
use std::time::Duration;

use keepalived_labs::{ip, runnable, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

struct Server {
    ns: String,
    dir: std::path::PathBuf,
    child: std::process::Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn genhash(binary: &str, ns: &str, args: &[&str]) -> (String, Option<i32>) {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, binary, "-T"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("genhash runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code(),
    )
}

#[test]
fn digests_match_keepalived_genhash() {
    if !runnable("genhash") || !std::path::Path::new("/usr/bin/python3").exists() {
        return;
    }
    let ns = format!("kr-genhash-{}", std::process::id() % 100_000);
    let dir = std::env::temp_dir().join(format!("{ns}-dir"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "hello from the lab\n").unwrap();
    ip(&["netns", "add", &ns]);
    ip(&["-n", &ns, "link", "set", "lo", "up"]);
    let child = Command::new("ip")
        .args(["netns", "exec", &ns, "python3", "-m", "http.server", "8089"])
        .args(["--bind", "127.0.0.1", "--directory"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 http.server");
    let server = Server { ns, dir, child };
    let mut up = false;
    for _ in 0..100 {
        let probe = ip(&["netns", "exec", &server.ns, "ss", "-ltn"]);
        if probe.contains("127.0.0.1:8089") {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(up, "web server did not start");
    let cases: [&[&str]; 4] = [
        &["-s", "127.0.0.1", "-p", "8089", "-u", "/index.html"],
        &[
            "--server=127.0.0.1",
            "--port=8089",
            "--url=/missing",
            "-P",
            "1.1",
        ],
        &[
            "-s",
            "127.0.0.1",
            "-p",
            "8089",
            "-u",
            "/index.html",
            "-V",
            "example.org",
        ],
        &["-s", "127.0.0.1", "-p", "8090", "-u", "/index.html"],
    ];
    for args in cases {
        let ours = genhash(OURS, &server.ns, args);
        assert!(!ours.0.is_empty(), "no output for {args:?}");
        if std::path::Path::new(KEEPALIVED).exists() {
            let theirs = genhash(KEEPALIVED, &server.ns, args);
            assert_eq!(ours, theirs, "genhash {args:?}");
        }
    }
}
