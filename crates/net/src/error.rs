//! Error type of the crate.

use std::io;

/// Errors returned by the kernel plumbing.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The kernel answered a netlink request with an error.
    #[error("netlink {op}: {source}")]
    Netlink {
        /// What was being done (e.g. "add address").
        op: &'static str,
        /// errno from the kernel.
        #[source]
        source: io::Error,
    },
    /// The netlink connection itself failed.
    #[error("netlink connection: {0}")]
    Connection(String),
    /// A socket or file operation failed.
    #[error("{op}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Something named by the caller does not exist (e.g. an interface).
    #[error("not found: {0}")]
    NotFound(String),
    /// The caller passed inconsistent arguments.
    #[error("invalid argument: {0}")]
    Invalid(String),
}

impl NetError {
    /// errno of a kernel or OS error, if any.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NetError::Netlink { source, .. } | NetError::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    pub(crate) fn io(op: &'static str) -> impl FnOnce(io::Error) -> NetError {
        move |source| NetError::Io { op, source }
    }
}
