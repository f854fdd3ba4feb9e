//! E-mail alerts (`notification_email`, `smtp_server`, `smtp_alert*`, `no_email_faults`):
//! the mails keepalived 2.2.7 sends on VRRP transitions ([`message`]), delivered by one
//! mailer thread ([`client`]) fed through a bounded queue. The VRRP loop only formats the
//! mail and `try_send`s it: a slow, black-holed or dead SMTP server delays nothing but
//! other mails, and a full queue drops the newest mail (logged) instead of waiting.

pub mod client;
pub mod message;

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Mutex, OnceLock};

use keepalived_conf::model::GlobalDefs;
use keepalived_vrrp::machine::NotifyState;

use crate::log;
use crate::notify::Subject;
use message::{Envelope, Mail};

/// Mails waiting for the mailer thread; more are dropped.
const QUEUE: usize = 64;

/// The mailer thread's queue, started on the first mail.
fn queue() -> Option<&'static SyncSender<(Envelope, Mail)>> {
    static QUEUE_TX: OnceLock<Option<SyncSender<(Envelope, Mail)>>> = OnceLock::new();
    QUEUE_TX
        .get_or_init(|| {
            let (tx, rx) = sync_channel::<(Envelope, Mail)>(QUEUE);
            let spawned = std::thread::Builder::new()
                .name("smtp".into())
                .spawn(move || {
                    for (env, mail) in rx {
                        deliver(&env, &mail);
                    }
                });
            match spawned {
                Ok(_) => Some(tx),
                Err(e) => {
                    log::info(format!("Unable to start the SMTP alert thread: {e}"));
                    None
                }
            }
        })
        .as_ref()
}

fn deliver(env: &Envelope, mail: &Mail) {
    let server = format!("[{}]:{}", env.server.0, env.server.1);
    match client::send(env, mail, &message::rfc822_now()) {
        Ok(()) if log::detail() => log::info("SMTP alert successfully sent."),
        Ok(()) => {}
        Err(e) => log::info(format!("Error sending SMTP alert to {server}: {e}")),
    }
}

/// Queues `mail` for the envelope of `global` (nothing when mail is not configured).
pub fn queue_mail(global: &GlobalDefs, mail: Mail) {
    let Some(env) = Envelope::from_global(global) else {
        return;
    };
    let Some(tx) = queue() else { return };
    if let Err(TrySendError::Full(_)) = tx.try_send((env, mail)) {
        log::info("SMTP alert queue full: alert dropped");
    }
}

/// The state each instance or group was last mailed about (keepalived's
/// `last_email_state`): one mail per state change, not per notify.
fn last_mailed() -> &'static Mutex<HashMap<(bool, String), NotifyState>> {
    static LAST: OnceLock<Mutex<HashMap<(bool, String), NotifyState>>> = OnceLock::new();
    LAST.get_or_init(Mutex::default)
}

/// A VRRP instance or sync group entered `state`: the mail keepalived sends, when
/// `smtp_alert` (the instance's, else global `smtp_alert_vrrp`, else `smtp_alert`) is on
/// and `no_email_faults` does not silence a FAULT.
pub fn vrrp_state_change(
    global: &GlobalDefs,
    smtp_alert: Option<bool>,
    subject: Subject,
    name: &str,
    state: NotifyState,
) {
    let wanted = smtp_alert
        .or(global.smtp_alert_vrrp)
        .or(global.smtp_alert)
        .unwrap_or(false);
    if !wanted || (global.no_email_faults && state == NotifyState::Fault) {
        return;
    }
    let key = (subject == Subject::Instance, name.to_owned());
    {
        let mut last = last_mailed().lock().unwrap_or_else(|p| p.into_inner());
        if last.get(&key) == Some(&state) {
            return;
        }
        last.insert(key, state);
    }
    queue_mail(global, message::vrrp(global, subject, name, state));
}
