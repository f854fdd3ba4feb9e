//! Where the dumps go: keepalived's temporary directory (`$TMPDIR` when it is an absolute
//! path, else /tmp), the data dump moved by keepalived 2.3's `state_dump_file` and named
//! after the namespace and instance with `data_use_instance` (`open_dump_file`).

use std::path::PathBuf;

use keepalived_conf::model::GlobalDefs;

/// The three dump files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpPaths {
    /// SIGUSR1.
    pub data: PathBuf,
    /// SIGUSR2 and STATS_CLEAR (keepalived 2.3.4 does not read `stats_dump_file`).
    pub stats: PathBuf,
    /// The JSON signal (keepalived 2.3.4 does not read `json_dump_file`).
    pub json: PathBuf,
}

/// keepalived's `tmp_dir`: `$TMPDIR` if it starts with `/`, else /tmp.
pub fn tmp_dir() -> String {
    std::env::var("TMPDIR")
        .ok()
        .filter(|d| d.starts_with('/'))
        .unwrap_or_else(|| "/tmp".to_owned())
}

impl DumpPaths {
    /// The paths for `g` with the temporary directory `tmp`.
    pub fn new(g: &GlobalDefs, tmp: &str) -> DumpPaths {
        DumpPaths {
            data: PathBuf::from(data_file(g, tmp)),
            stats: PathBuf::from(format!("{tmp}/keepalived.stats")),
            json: PathBuf::from(format!("{tmp}/keepalived.json")),
        }
    }
}

/// keepalived 2.3.4's `open_dump_file("")`: a `state_dump_file` starting with `/` gives the
/// directory (all of it when it ends with `/`), else the temporary directory; its last
/// component, unless it ends with `/`, the file name (default keepalived.data); with
/// `data_use_instance`, ".NAMESPACE_INSTANCE" goes before the extension.
fn data_file(g: &GlobalDefs, tmp: &str) -> String {
    let state = g.state_dump_file.as_deref().filter(|s| !s.is_empty());
    let dir = match state {
        Some(s) if s.starts_with('/') => match s.rfind('/') {
            Some(i) if !s.ends_with('/') => &s[..i],
            _ => s.strip_suffix('/').unwrap_or(s),
        },
        _ => tmp,
    };
    let file = match state {
        Some(s) if !s.ends_with('/') => s.rsplit('/').next().unwrap_or(s),
        _ => "keepalived.data",
    };
    format!("{dir}/{}", tagged(g, file))
}

/// keepalived's `open_dump_file(NAME)` for the other dumps (keepalived_check.data,
/// keepalived_bfd.data): NAME in the temporary directory `tmp`, tagged as the data dump is
/// with `data_use_instance`.
pub fn dump_file(g: &GlobalDefs, tmp: &str, name: &str) -> PathBuf {
    PathBuf::from(format!("{tmp}/{}", tagged(g, name)))
}

/// `file` with ".NAMESPACE_INSTANCE" before its extension under `data_use_instance` (when
/// there is a namespace or an instance name), else `file`.
fn tagged(g: &GlobalDefs, file: &str) -> String {
    let (stem, ext) = match file.rfind('.') {
        Some(i) => file.split_at(i),
        None => (file, ""),
    };
    let mut tag = String::new();
    if g.data_use_instance && (g.instance.is_some() || g.net_namespace.is_some()) {
        tag.push('.');
        if let Some(ns) = &g.net_namespace {
            tag.push_str(ns);
        }
        if g.instance.is_some() && g.net_namespace.is_some() {
            tag.push('_');
        }
        if let Some(i) = &g.instance {
            tag.push_str(i);
        }
    }
    format!("{stem}{tag}{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(state: Option<&str>) -> String {
        let g = GlobalDefs {
            state_dump_file: state.map(str::to_owned),
            ..GlobalDefs::default()
        };
        DumpPaths::new(&g, "/tmp").data.display().to_string()
    }

    #[test]
    fn state_dump_file_names_the_data_dump_as_keepalived_2_3_does() {
        assert_eq!(data(None), "/tmp/keepalived.data");
        assert_eq!(data(Some("/run/ka/state.txt")), "/run/ka/state.txt");
        assert_eq!(data(Some("/run/ka/")), "/run/ka/keepalived.data");
        // Relative: the file name in the temporary directory.
        assert_eq!(data(Some("sub/state.data")), "/tmp/state.data");
        assert_eq!(data(Some("/var/state")), "/var/state");
    }

    #[test]
    fn data_use_instance_tags_the_data_dump() {
        let g = GlobalDefs {
            data_use_instance: true,
            instance: Some("i1".into()),
            net_namespace: Some("ns".into()),
            ..GlobalDefs::default()
        };
        let p = DumpPaths::new(&g, "/var/tmp");
        assert_eq!(p.data, PathBuf::from("/var/tmp/keepalived.ns_i1.data"));
        assert_eq!(p.stats, PathBuf::from("/var/tmp/keepalived.stats"));
        // keepalived 2.2.7's open_dump_file: the checker's and the BFD child's dumps too.
        assert_eq!(
            dump_file(&g, "/tmp", "keepalived_check.data"),
            PathBuf::from("/tmp/keepalived_check.ns_i1.data")
        );
        let only_instance = GlobalDefs {
            net_namespace: None,
            ..g.clone()
        };
        assert_eq!(
            dump_file(&only_instance, "/tmp", "keepalived_bfd.data"),
            PathBuf::from("/tmp/keepalived_bfd.i1.data")
        );
        let off = GlobalDefs {
            data_use_instance: false,
            ..g
        };
        assert_eq!(
            dump_file(&off, "/tmp", "keepalived_check.data"),
            PathBuf::from("/tmp/keepalived_check.data")
        );
    }
}
