//! FILE_CHECK's tracked file: the number it holds.

/// How often a tracked file is read again (keepalived is told by inotify; we poll).
pub const POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// The value of `text` as keepalived reads a tracked file (shared with `track_file`).
pub fn parse_value(text: &str) -> i64 {
    keepalived_conf::model::TrackFile::parse_value(text)
}

/// The value of the file at `path`; 0 when it is missing or unreadable.
pub fn read_value(path: &str) -> i64 {
    keepalived_conf::model::TrackFile::read_value(path)
}
