//! Notify scripts and FIFOs: scripts run without blocking the event loop and are reaped
//! (never zombies); FIFO lines have keepalived's format `INSTANCE "VI_1" MASTER 150`.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use keepalived_conf::model::{GlobalDefs, NotifyFifo, NotifyScripts, Script};
use keepalived_vrrp::machine::NotifyState;
use tokio::process::Command;

use crate::log;

/// The command for `script`, as the configured user (`script_user` by default) when one is
/// given and exists.
pub fn command(script: &Script, global: &GlobalDefs) -> Option<Command> {
    let (prog, args) = script.argv.split_first()?;
    let mut cmd = Command::new(prog);
    cmd.args(args);
    let user = script
        .user
        .clone()
        .map(|u| (u, script.group.clone()))
        .or_else(|| global.script_user.clone());
    if let Some((user, group)) = user {
        if let Ok(Some(u)) = nix::unistd::User::from_name(&user) {
            let gid = group
                .and_then(|g| nix::unistd::Group::from_name(&g).ok().flatten())
                .map_or(u.gid, |g| g.gid);
            cmd.uid(u.uid.as_raw()).gid(gid.as_raw());
        }
    }
    Some(cmd)
}

/// Runs `script` with `extra` arguments appended, in the background; a script still running
/// after `timeout` is killed.
pub fn spawn(script: &Script, global: &GlobalDefs, extra: &[String], timeout: Option<Duration>) {
    let Some(mut cmd) = command(script, global) else {
        return;
    };
    cmd.args(extra).kill_on_drop(false);
    match cmd.spawn() {
        Ok(mut child) => {
            tokio::spawn(async move {
                match timeout {
                    Some(t) => {
                        if tokio::time::timeout(t, child.wait()).await.is_err() {
                            let _ = child.kill().await;
                        }
                    }
                    None => {
                        let _ = child.wait().await;
                    }
                }
            });
        }
        Err(e) => log::info(format!(
            "Failed to exec script {}: {e}",
            script.command_line()
        )),
    }
}

/// The notification for a machine state (INIT has none).
pub fn notify_state(state: keepalived_vrrp::machine::State) -> Option<NotifyState> {
    use keepalived_vrrp::machine::State;
    match state {
        State::Master => Some(NotifyState::Master),
        State::Backup => Some(NotifyState::Backup),
        State::Fault => Some(NotifyState::Fault),
        State::Stop => Some(NotifyState::Stop),
        State::Init => None,
    }
}

/// The word keepalived uses for a state in scripts and FIFO lines.
pub fn state_word(state: NotifyState) -> &'static str {
    match state {
        NotifyState::Master => "MASTER",
        NotifyState::Backup => "BACKUP",
        NotifyState::Fault => "FAULT",
        NotifyState::Stop => "STOP",
    }
}

/// `INSTANCE` or `GROUP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A vrrp_instance.
    Instance,
    /// A vrrp_sync_group.
    Group,
}

impl Subject {
    fn word(self) -> &'static str {
        match self {
            Subject::Instance => "INSTANCE",
            Subject::Group => "GROUP",
        }
    }
}

/// The notify FIFOs (`notify_fifo`, `vrrp_notify_fifo`) and their reader scripts. Each is
/// held open read-write, as keepalived does, so writing never blocks and lines wait in the
/// pipe until a reader comes.
#[derive(Debug, Default)]
pub struct Fifos {
    files: Vec<std::fs::File>,
}

impl Fifos {
    /// Creates the FIFOs that do not exist and starts their `*_fifo_script`s, as keepalived.
    pub fn open(global: &GlobalDefs) -> Fifos {
        Fifos::open_these(global, [&global.notify_fifo, &global.vrrp_notify_fifo])
    }

    /// The checker child's FIFOs: `notify_fifo` and `lvs_notify_fifo` (keepalived's
    /// check_daemon.c opens both, each with its script).
    pub fn open_lvs(global: &GlobalDefs) -> Fifos {
        Fifos::open_these(global, [&global.notify_fifo, &global.lvs_notify_fifo])
    }

    fn open_these(global: &GlobalDefs, fifos: [&Option<NotifyFifo>; 2]) -> Fifos {
        let mut files = Vec::new();
        for fifo in fifos.into_iter().flatten() {
            if let Some(p) = setup_fifo(fifo, global) {
                let f = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(&p);
                match f {
                    Ok(f) => files.push(f),
                    Err(e) => log::info(format!("Unable to open notify FIFO {}: {e}", p.display())),
                }
            }
        }
        Fifos { files }
    }

    /// Writes one line to every FIFO, never blocking (when a FIFO is full the line is lost).
    pub fn write(&self, subject: Subject, name: &str, event: &str, priority: u8) {
        self.write_line(&fifo_line(subject, name, event, priority));
    }

    /// Writes `line` (with its line end) to every FIFO, never blocking.
    pub fn write_line(&self, line: &str) {
        for mut f in &self.files {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// keepalived's FIFO line.
pub fn fifo_line(subject: Subject, name: &str, event: &str, priority: u8) -> String {
    format!("{} \"{name}\" {event} {priority}\n", subject.word())
}

fn setup_fifo(fifo: &NotifyFifo, global: &GlobalDefs) -> Option<PathBuf> {
    let path = fifo.path.clone()?;
    if !Path::new(&path).exists() {
        if let Err(e) = nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600))
        {
            log::info(format!(
                "Unable to create notify FIFO {}: {e}",
                path.display()
            ));
            return None;
        }
    }
    if let Some(script) = &fifo.script {
        spawn(script, global, &[path.display().to_string()], None);
    }
    Some(path)
}

/// Runs the notify scripts of an instance or group for `state` and writes the FIFO line:
/// the specific `notify_*` script first, then the generic `notify` with
/// `INSTANCE|GROUP name STATE priority` (priority 0 for a group); and queues the e-mail
/// alert ([`crate::smtp`]), never waiting for it.
#[allow(clippy::too_many_arguments)] // one call site per kind of notifier; a struct would add nothing
pub fn state_change(
    scripts: &NotifyScripts,
    global: &GlobalDefs,
    fifos: &Fifos,
    subject: Subject,
    name: &str,
    state: NotifyState,
    priority: u8,
    smtp_alert: Option<bool>,
) {
    crate::smtp::vrrp_state_change(global, smtp_alert, subject, name, state);
    let specific = match state {
        NotifyState::Master => &scripts.master,
        NotifyState::Backup => &scripts.backup,
        NotifyState::Fault => &scripts.fault,
        NotifyState::Stop => &scripts.stop,
    };
    // keepalived gives a STOP script one second before it moves on.
    let timeout = (state == NotifyState::Stop).then_some(Duration::from_secs(1));
    if let Some(s) = specific {
        spawn(s, global, &[], timeout);
    }
    let word = state_word(state);
    if let Some(s) = &scripts.notify {
        let args = [
            subject.word().to_owned(),
            name.to_owned(),
            word.to_owned(),
            priority.to_string(),
        ];
        spawn(s, global, &args, timeout);
    }
    fifos.write(subject, name, word, priority);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_lines_have_keepalived_format() {
        assert_eq!(
            fifo_line(Subject::Instance, "VI_1", "MASTER", 150),
            "INSTANCE \"VI_1\" MASTER 150\n"
        );
        assert_eq!(
            fifo_line(Subject::Group, "G1", "FAULT", 0),
            "GROUP \"G1\" FAULT 0\n"
        );
    }
}
