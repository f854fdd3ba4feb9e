//! What the VM tests share: whether tests/vm/run.sh can boot its VM here (skipping visibly
//! otherwise), and this repository's binary and tests/vm as the VM sees them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Our binary.
pub const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

fn on_path(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
        .unwrap_or(false)
}

fn debian_kernel() -> bool {
    std::fs::read_dir("/boot")
        .map(|d| {
            d.flatten().any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with("vmlinuz-") && n.ends_with("-amd64")
            })
        })
        .unwrap_or(false)
}

/// What the VM needs that is missing: QEMU and the Debian kernel, busybox-static and cpio
/// (the initramfs), keepalived.
pub fn missing_vm_tools() -> Option<&'static str> {
    if !on_path("qemu-system-x86_64") || !debian_kernel() {
        return Some("qemu-system-x86_64 / Debian kernel not installed (apt-get install qemu-system-x86 linux-image-amd64)");
    }
    if !Path::new("/bin/busybox").exists() || !on_path("cpio") {
        return Some("busybox-static / cpio not installed (they build the VM's initramfs)");
    }
    if !Path::new("/usr/sbin/keepalived").exists() {
        return Some("keepalived not installed (apt-get install keepalived)");
    }
    None
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The binary where the VM sees it (its /tmp is its own).
pub fn visible_binary() -> PathBuf {
    let ours = PathBuf::from(OURS);
    if !ours.starts_with("/tmp") {
        return ours;
    }
    let dir = Path::new("/var/tmp/keepalived-rs-vm");
    std::fs::create_dir_all(dir).expect("/var/tmp");
    let copy = dir.join(format!("keepalived-rs-{}", std::process::id()));
    std::fs::copy(&ours, &copy).expect("copy the binary");
    copy
}

/// tests/vm as the VM sees it: a repository under /tmp (a tmpfs inside the VM, e.g. CI's
/// clone) is invisible there, so its scripts are copied to /var/tmp first.
pub fn visible_vm_dir(vm: &Path) -> PathBuf {
    if !vm.starts_with("/tmp") {
        return vm.to_path_buf();
    }
    let dir = Path::new("/var/tmp/keepalived-rs-vm").join(format!("vm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("/var/tmp");
    for entry in std::fs::read_dir(vm).expect("tests/vm").flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy tests/vm");
        }
    }
    dir
}

/// Runs tests/vm/SCRIPT with our binary as its argument in the VM (tests/vm/run.sh, at most
/// `timeout_s`); its stdout and exit code. The copies made for the VM are removed.
pub fn run_script(script: &str, timeout_s: u32) -> (String, Option<i32>) {
    let root = repo();
    let vm = visible_vm_dir(&root.join("tests/vm"));
    let bin = visible_binary();
    let cmd = format!("bash {} {}", vm.join(script).display(), bin.display());
    let out = std::process::Command::new("sh")
        .arg(vm.join("run.sh"))
        .arg(&cmd)
        .env("VM_TIMEOUT", timeout_s.to_string())
        .output()
        .expect("runs tests/vm/run.sh");
    if bin != Path::new(OURS) {
        let _ = std::fs::remove_file(&bin);
    }
    if vm != root.join("tests/vm") {
        let _ = std::fs::remove_dir_all(&vm);
    }
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code(),
    )
}

/// The "=== NAME" sections of a VM script's output: NAME -> the lines under it.
pub fn sections(out: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut map = std::collections::BTreeMap::<String, Vec<String>>::new();
    let mut cur: Option<String> = None;
    for line in out.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            let name = name.trim().to_owned();
            map.entry(name.clone()).or_default();
            cur = Some(name);
        } else if let Some(c) = &cur {
            map.entry(c.clone())
                .or_default()
                .push(line.trim_end().to_owned());
        }
    }
    map
}
