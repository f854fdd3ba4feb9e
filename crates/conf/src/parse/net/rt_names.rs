//! Names of routing tables, protocols, scopes, realms, interface groups and DS fields from
//! iproute2's files, as keepalived's rttables.c reads them: `rt_tables`, `rt_protos`,
//! `rt_scopes`, `rt_realms`, `group`, `rt_dsfield` in `/etc/iproute2` (`iproute_etc_dir`),
//! else in iproute2's own directory (`iproute_usr_dir`: /usr/share/iproute2 or
//! /usr/lib/iproute2), then the `FILE.d/*.conf` of both (keepalived 2.3's order; 2.2.7
//! reads only /etc/iproute2/FILE). A number is never looked up; a name not found here
//! falls back to iproute2's built-in names (words.rs).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One of iproute2's name files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RtFile {
    Tables,
    Protos,
    Scopes,
    Realms,
    Groups,
    Dsfield,
}

impl RtFile {
    fn name(self) -> &'static str {
        match self {
            RtFile::Tables => "rt_tables",
            RtFile::Protos => "rt_protos",
            RtFile::Scopes => "rt_scopes",
            RtFile::Realms => "rt_realms",
            RtFile::Groups => "group",
            RtFile::Dsfield => "rt_dsfield",
        }
    }

    /// The largest id keepalived accepts from the file.
    fn max(self) -> u64 {
        match self {
            RtFile::Tables | RtFile::Groups => u64::from(u32::MAX),
            RtFile::Realms | RtFile::Protos | RtFile::Scopes | RtFile::Dsfield => 255,
        }
    }
}

/// The files read so far (each once per configuration read).
#[derive(Debug, Default)]
pub(crate) struct RtNames {
    etc: Option<PathBuf>,
    usr: Option<PathBuf>,
    read: HashMap<RtFile, Vec<(u32, String)>>,
}

impl RtNames {
    /// `iproute_etc_dir` (keepalived 2.3).
    pub(crate) fn set_etc_dir(&mut self, dir: &str) {
        self.etc = Some(PathBuf::from(dir));
        self.read.clear();
    }

    /// `iproute_usr_dir` (keepalived 2.3).
    pub(crate) fn set_usr_dir(&mut self, dir: &str) {
        self.usr = Some(PathBuf::from(dir));
        self.read.clear();
    }

    /// The id of `name` in `file`; `None` for a number or a name the files do not have.
    pub(crate) fn lookup(&mut self, file: RtFile, name: &str) -> Option<u32> {
        if name.is_empty() || strtoul(name).is_some() {
            return None;
        }
        let (etc, usr) = (&self.etc, &self.usr);
        let entries = self.read.entry(file).or_insert_with(|| {
            let etc = etc
                .clone()
                .unwrap_or_else(|| PathBuf::from("/etc/iproute2"));
            let usr = usr.clone().or_else(|| {
                ["/usr/share/iproute2", "/usr/lib/iproute2"]
                    .iter()
                    .map(PathBuf::from)
                    .find(|d| d.is_dir())
            });
            read_all(file, &etc, usr.as_deref())
        });
        entries.iter().find(|(_, n)| n == name).map(|(id, _)| *id)
    }
}

/// ETC/FILE (else USR/FILE), then USR/FILE.d/*.conf not shadowed by ETC/FILE.d, then
/// ETC/FILE.d/*.conf.
fn read_all(file: RtFile, etc: &Path, usr: Option<&Path>) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let main = etc.join(file.name());
    if main.is_file() {
        read_file(&main, file.max(), &mut out);
    } else if let Some(u) = usr {
        read_file(&u.join(file.name()), file.max(), &mut out);
    }
    let conf_files = |dir: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join(format!("{}.d", file.name())))
            .map(|it| it.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        v.retain(|p| p.extension().is_some_and(|e| e == "conf") && p.is_file());
        v.sort();
        v
    };
    let etc_d = conf_files(etc);
    if let Some(u) = usr {
        for p in conf_files(u) {
            if !etc_d.iter().any(|e| e.file_name() == p.file_name()) {
                read_file(&p, file.max(), &mut out);
            }
        }
    }
    for p in etc_d {
        read_file(&p, file.max(), &mut out);
    }
    out
}

/// keepalived's read_file: lines of exactly two words (after a `#` comment is cut), an id
/// (strtoul base 0, at most `max`) and a name.
fn read_file(path: &Path, max: u64, out: &mut Vec<(u32, String)>) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let words: Vec<&str> = line.split_whitespace().collect();
        let [id, name] = words.as_slice() else {
            continue;
        };
        if let Some(id) = strtoul(id).filter(|v| *v <= max) {
            out.push((id as u32, (*name).to_owned()));
        }
    }
}

/// C's strtoul with base 0 over the whole word: `0x` hex, a leading `0` octal, else decimal.
fn strtoul(s: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    u64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_etc_then_the_d_directories() {
        let dir = std::env::temp_dir().join(format!("kr-rtnames-{}", std::process::id()));
        let (etc, usr) = (dir.join("etc"), dir.join("usr"));
        for d in [etc.join("rt_tables.d"), usr.join("rt_tables.d")] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(
            etc.join("rt_tables"),
            "# comment\n100 isp1\n0x65 isp2 # hex\nbad line here\n",
        )
        .unwrap();
        std::fs::write(usr.join("rt_tables"), "200 shadowed\n").unwrap();
        std::fs::write(usr.join("rt_tables.d/a.conf"), "300 from_usr\n").unwrap();
        std::fs::write(usr.join("rt_tables.d/b.conf"), "301 usr_b\n").unwrap();
        std::fs::write(etc.join("rt_tables.d/b.conf"), "302 etc_b\n").unwrap();
        let mut n = RtNames::default();
        n.set_etc_dir(&etc.display().to_string());
        n.set_usr_dir(&usr.display().to_string());
        let t = |n: &mut RtNames, s: &str| n.lookup(RtFile::Tables, s);
        assert_eq!(t(&mut n, "isp1"), Some(100));
        assert_eq!(t(&mut n, "isp2"), Some(0x65));
        assert_eq!(t(&mut n, "shadowed"), None, "etc's file wins over usr's");
        assert_eq!(t(&mut n, "from_usr"), Some(300));
        assert_eq!(t(&mut n, "usr_b"), None, "etc's b.conf shadows usr's");
        assert_eq!(t(&mut n, "etc_b"), Some(302));
        assert_eq!(t(&mut n, "100"), None, "numbers are not names");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
