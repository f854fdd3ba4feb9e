//! What the configuration checks need to know about the machine: interfaces, files, users.
//!
//! keepalived checks a configuration against the host it runs on (an interface that does not
//! exist, a script that is not executable or not secure). The parser stays pure by asking
//! through this trait; [`SystemHost`] answers from the running system.

use std::path::{Path, PathBuf};

/// File facts the script-security checks need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileInfo {
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// A regular file (not a directory, device, ...).
    pub is_file: bool,
    /// A directory.
    pub is_dir: bool,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The user's uid.
    pub uid: u32,
    /// The user's primary gid.
    pub gid: u32,
}

/// The machine the configuration is checked against.
pub trait Host {
    /// Whether a network interface of this name exists (in the current network namespace).
    fn interface_exists(&self, name: &str) -> bool;
    /// Facts about a file, following symlinks; `None` when it does not exist.
    fn file_info(&self, path: &Path) -> Option<FileInfo>;
    /// The path with symlinks resolved, when it exists.
    fn canonical(&self, path: &Path) -> Option<PathBuf>;
    /// A user by name.
    fn user(&self, name: &str) -> Option<UserInfo>;
    /// A group's gid by name.
    fn group(&self, name: &str) -> Option<u32>;
    /// The first part of the node name (keepalived's default config id).
    fn node_name(&self) -> String;
}

/// The running system: `/proc/self/net/dev`, the file system, `/etc/passwd` and `/etc/group`.
///
/// `/proc/self/net/dev` lists the interfaces of the network namespace the process is in now
/// (also after a setns, as `-t` with `net_namespace` does, where `/sys/class/net` would
/// still show the namespace sysfs was mounted in, which is the fallback).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemHost;

impl Host for SystemHost {
    fn interface_exists(&self, name: &str) -> bool {
        !name.is_empty()
            && !name.contains('/')
            && name != "."
            && name != ".."
            && match std::fs::read_to_string("/proc/self/net/dev") {
                // Two header lines, then `  NAME: counters...` (a name has no ':').
                Ok(dev) => dev
                    .lines()
                    .skip(2)
                    .filter_map(|l| l.split(':').next())
                    .any(|n| n.trim() == name),
                Err(_) => Path::new("/sys/class/net").join(name).exists(),
            }
    }

    fn file_info(&self, path: &Path) -> Option<FileInfo> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FileInfo {
            uid: m.uid(),
            gid: m.gid(),
            mode: m.mode() & 0o7777,
            is_file: m.is_file(),
            is_dir: m.is_dir(),
        })
    }

    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        path.canonicalize().ok()
    }

    fn user(&self, name: &str) -> Option<UserInfo> {
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 4 && f[0] == name).then(|| UserInfo {
                uid: f[2].parse().unwrap_or(u32::MAX),
                gid: f[3].parse().unwrap_or(u32::MAX),
            })
        })
    }

    fn group(&self, name: &str) -> Option<u32> {
        let groups = std::fs::read_to_string("/etc/group").ok()?;
        groups.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 3 && f[0] == name)
                .then(|| f[2].parse().ok())
                .flatten()
        })
    }

    fn node_name(&self) -> String {
        let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        name.trim().split('.').next().unwrap_or("").to_owned()
    }
}

/// A host with a fixed set of interfaces and users, whose files are the real file system:
/// for tests, fuzzing and checking a configuration meant for another machine.
#[derive(Debug, Clone)]
pub struct FixedHost {
    /// Interfaces that exist.
    pub interfaces: Vec<String>,
    /// The node name.
    pub node: String,
}

impl FixedHost {
    /// A host with interfaces `lo` and `eth0`..`eth3`, node name `node1`.
    pub fn lab() -> Self {
        FixedHost {
            interfaces: ["lo", "eth0", "eth1", "eth2", "eth3"]
                .map(String::from)
                .to_vec(),
            node: "node1".into(),
        }
    }
}

impl Host for FixedHost {
    fn interface_exists(&self, name: &str) -> bool {
        self.interfaces.iter().any(|i| i == name)
    }
    fn file_info(&self, path: &Path) -> Option<FileInfo> {
        SystemHost.file_info(path)
    }
    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        SystemHost.canonical(path)
    }
    fn user(&self, name: &str) -> Option<UserInfo> {
        SystemHost.user(name)
    }
    fn group(&self, name: &str) -> Option<u32> {
        SystemHost.group(name)
    }
    fn node_name(&self) -> String {
        self.node.clone()
    }
}

/// `host` with its answers about interfaces, users and groups remembered for one load: a
/// configuration of 1000 instances on one interface asks about it 1000 times, and each
/// question to [`SystemHost`] reads `/proc/self/net/dev` again. One load sees the machine
/// as it was when first asked (keepalived also reads the interface list once per load).
pub(crate) struct Cached<'a> {
    inner: &'a dyn Host,
    interfaces: std::cell::RefCell<std::collections::HashMap<String, bool>>,
    users: std::cell::RefCell<std::collections::HashMap<String, Option<UserInfo>>>,
    groups: std::cell::RefCell<std::collections::HashMap<String, Option<u32>>>,
}

impl<'a> Cached<'a> {
    /// Nothing remembered yet.
    pub(crate) fn new(inner: &'a dyn Host) -> Self {
        Cached {
            inner,
            interfaces: Default::default(),
            users: Default::default(),
            groups: Default::default(),
        }
    }
}

impl Host for Cached<'_> {
    fn interface_exists(&self, name: &str) -> bool {
        if let Some(known) = self.interfaces.borrow().get(name) {
            return *known;
        }
        let exists = self.inner.interface_exists(name);
        self.interfaces.borrow_mut().insert(name.to_owned(), exists);
        exists
    }
    fn file_info(&self, path: &Path) -> Option<FileInfo> {
        self.inner.file_info(path)
    }
    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        self.inner.canonical(path)
    }
    fn user(&self, name: &str) -> Option<UserInfo> {
        if let Some(known) = self.users.borrow().get(name) {
            return known.clone();
        }
        let user = self.inner.user(name);
        self.users
            .borrow_mut()
            .insert(name.to_owned(), user.clone());
        user
    }
    fn group(&self, name: &str) -> Option<u32> {
        if let Some(known) = self.groups.borrow().get(name) {
            return *known;
        }
        let group = self.inner.group(name);
        self.groups.borrow_mut().insert(name.to_owned(), group);
        group
    }
    fn node_name(&self) -> String {
        self.inner.node_name()
    }
}

#[cfg(test)]
mod cached_tests {
    use super::*;
    use std::cell::Cell;

    /// Counts the questions that reach it.
    struct Counting {
        asked: Cell<usize>,
    }

    impl Host for Counting {
        fn interface_exists(&self, name: &str) -> bool {
            self.asked.set(self.asked.get() + 1);
            name == "eth0"
        }
        fn file_info(&self, _: &Path) -> Option<FileInfo> {
            None
        }
        fn canonical(&self, _: &Path) -> Option<PathBuf> {
            None
        }
        fn user(&self, _: &str) -> Option<UserInfo> {
            self.asked.set(self.asked.get() + 1);
            None
        }
        fn group(&self, _: &str) -> Option<u32> {
            None
        }
        fn node_name(&self) -> String {
            String::new()
        }
    }

    #[test]
    fn asks_once_per_name() {
        let inner = Counting {
            asked: Cell::new(0),
        };
        let c = Cached::new(&inner);
        for _ in 0..3 {
            assert!(c.interface_exists("eth0"));
            assert!(!c.interface_exists("eth9"));
            assert!(c.user("nobody-here").is_none());
        }
        assert_eq!(inner.asked.get(), 3);
    }
}
