//! The mails keepalived 2.2.7 writes (keepalived/core/smtp.c `smtp_alert`, `body_cmd`;
//! vrrp/vrrp_notify.c): subjects, bodies and the DATA text, byte for byte.

use keepalived_conf::model::GlobalDefs;

use keepalived_vrrp::machine::NotifyState;

use crate::notify::Subject;

/// One alert: the parts keepalived fills in before connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// `Subject:`, already prefixed with `[router_id]`.
    pub subject: String,
    /// The body line.
    pub body: String,
}

/// The envelope and headers every mail of one configuration shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `smtp_server` host and port.
    pub server: (String, u16),
    /// `smtp_connect_timeout`: for the connection and each reply.
    pub timeout: std::time::Duration,
    /// `smtp_helo_name`, else the local host name.
    pub helo: String,
    /// `notification_email_from`, else `user@localname`.
    pub from: String,
    /// `notification_email`, in order.
    pub to: Vec<String>,
}

/// The local name keepalived falls back on (uname's node name).
pub(crate) fn local_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The name of the user we run as (keepalived: getpwuid(getuid())).
pub(crate) fn user_name() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map_or_else(|| "root".to_owned(), |u| u.name)
}

impl Envelope {
    /// The envelope of `global`, or `None` when keepalived sends no mail: no
    /// `notification_email` or no `smtp_server`.
    pub fn from_global(global: &GlobalDefs) -> Option<Envelope> {
        let server = global.smtp_server.as_ref()?;
        if global.notification_email.is_empty() {
            return None;
        }
        let local = local_name();
        Some(Envelope {
            server: (server.host.clone(), server.port),
            timeout: global
                .smtp_connect_timeout
                .max(std::time::Duration::from_secs(1)),
            helo: global
                .smtp_helo_name
                .clone()
                .unwrap_or_else(|| local.clone()),
            from: global
                .notification_email_from
                .clone()
                .unwrap_or_else(|| format!("{}@{local}", user_name())),
            to: global.notification_email.clone(),
        })
    }

    /// The text sent after `DATA` (keepalived's SMTP_HEADERS_CMD, SMTP_BODY_CMD and
    /// SMTP_SEND_CMD): `date` is RFC 822 local time.
    pub fn data(&self, mail: &Mail, date: &str) -> String {
        format!(
            "Date: {date}\r\nFrom: {}\r\nSubject: {}\r\nX-Mailer: Keepalived\r\nTo: {}\r\n\r\n{}\r\n\r\n.\r\n",
            self.from,
            mail.subject,
            self.to.join(", "),
            mail.body
        )
    }
}

/// keepalived's router_id default: the local name.
fn router_id(global: &GlobalDefs) -> String {
    global.router_id.clone().unwrap_or_else(local_name)
}

/// The mail of a VRRP instance or sync group entering `state` (vrrp_smtp_notifier and
/// vrrp_sync_smtp_notifier).
pub fn vrrp(global: &GlobalDefs, subject: Subject, name: &str, state: NotifyState) -> Mail {
    let instance = subject == Subject::Instance;
    let (what, body) = match (state, instance) {
        (NotifyState::Master, true) => (
            "Entering MASTER state",
            "=> VRRP Instance is now owning VRRP VIPs <=",
        ),
        (NotifyState::Backup, true) => (
            "Entering BACKUP state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        (NotifyState::Fault, true) => (
            "Entering FAULT state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        (NotifyState::Stop, true) => ("Stopping", "=> VRRP Instance stopping <="),
        (NotifyState::Master, false) => (
            "Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=",
        ),
        (NotifyState::Backup, false) => (
            "Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=",
        ),
        (NotifyState::Fault, false) => (
            "Entering FAULT state",
            "=> All VRRP group instances are now in FAULT state <=",
        ),
        (NotifyState::Stop, false) => (
            "Stopping",
            "=> All VRRP group instances are now stopping <=",
        ),
    };
    let kind = if instance {
        "VRRP Instance"
    } else {
        "VRRP Group"
    };
    Mail {
        subject: format!("[{}] {kind} {name} - {what}", router_id(global)),
        body: body.to_owned(),
    }
}

/// The mail of a real server going UP or DOWN (SMTP_MSG_RS): `rs` and `vs` as keepalived
/// formats them (FMT_RS, FMT_VS), `body` the checker's line (e.g. `=> TCP CHECK failed on
/// service <=`).
pub fn real_server(global: &GlobalDefs, rs: &str, vs: &str, up: bool, body: &str) -> Mail {
    Mail {
        subject: format!(
            "[{}] Realserver {rs} of virtual server {vs} - {}",
            router_id(global),
            if up { "UP" } else { "DOWN" }
        ),
        body: body.to_owned(),
    }
}

/// The mail of a virtual server's quorum going UP or DOWN (SMTP_MSG_VS): `vs` as
/// keepalived's FMT_VS, `body` e.g. `=> Lost quorum 3+0=3 <= 0 <=`.
pub fn virtual_server(global: &GlobalDefs, vs: &str, up: bool, body: &str) -> Mail {
    Mail {
        subject: format!(
            "[{}] Virtualserver {vs} - {}",
            router_id(global),
            if up { "UP" } else { "DOWN" }
        ),
        body: body.to_owned(),
    }
}

/// RFC 822 local time, as keepalived's strftime("%a, %d %b %Y %H:%M:%S %z").
pub fn rfc822_now() -> String {
    let mut buf = [0u8; 80];
    // SAFETY: time/localtime_r/strftime on our own buffers; strftime writes at most len.
    let n = unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return String::new();
        }
        libc::strftime(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%a, %d %b %Y %H:%M:%S %z".as_ptr(),
            &tm,
        )
    };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global() -> GlobalDefs {
        GlobalDefs {
            router_id: Some("lb1".into()),
            notification_email: vec!["a@example.org".into(), "b@example.org".into()],
            notification_email_from: Some("ka@example.org".into()),
            smtp_server: Some(keepalived_conf::model::SmtpServer {
                host: "10.75.0.9".into(),
                port: 2525,
            }),
            ..GlobalDefs::default()
        }
    }

    #[test]
    fn vrrp_mail_as_keepalived_writes_it() {
        let g = global();
        let env = Envelope::from_global(&g).unwrap();
        let m = vrrp(&g, Subject::Instance, "VI_1", NotifyState::Backup);
        assert_eq!(
            env.data(&m, "Mon, 01 Mar 2021 09:44:08 +0000"),
            "Date: Mon, 01 Mar 2021 09:44:08 +0000\r\nFrom: ka@example.org\r\n\
             Subject: [lb1] VRRP Instance VI_1 - Entering BACKUP state\r\n\
             X-Mailer: Keepalived\r\nTo: a@example.org, b@example.org\r\n\r\n\
             => VRRP Instance is no longer owning VRRP VIPs <=\r\n\r\n.\r\n"
        );
        let g2 = vrrp(&g, Subject::Group, "G", NotifyState::Master);
        assert_eq!(g2.subject, "[lb1] VRRP Group G - Entering MASTER state");
    }

    #[test]
    fn no_mail_without_server_or_recipients() {
        let mut g = global();
        g.notification_email.clear();
        assert!(Envelope::from_global(&g).is_none());
        let mut g = global();
        g.smtp_server = None;
        assert!(Envelope::from_global(&g).is_none());
    }

    #[test]
    fn date_layout() {
        let d = rfc822_now();
        assert_eq!(d.len(), "Mon, 01 Mar 2021 09:44:08 +0000".len(), "{d}");
    }
}
