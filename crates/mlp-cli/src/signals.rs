//! SIGINT, SIGTERM and SIGHUP during `mlp train`: stop at the end of the current step, write
//! what there is, exit 130, 143 or 129. A second SIGINT exits at once.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use mlp_train::StopSignal;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::flag;
use signal_hook::SigId;

/// A signal that stops a run: its name and the exit status it gets (128 + its number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Received {
    pub(crate) name: &'static str,
    pub(crate) exit_code: u8,
}

/// The handlers of the signals that stop a run, installed until dropped.
///
/// Until [`Signals::graceful`] is called (while files are read, before any output is in
/// flight), a signal ends the process at once with its status: there is nothing to save, and a
/// read blocked on stdin or a FIFO would otherwise never see the flag.
pub(crate) struct Signals {
    stop: StopSignal,
    /// True while a signal should end the process at once.
    at_once: Arc<AtomicBool>,
    /// Per signal, the flag its handler sets.
    received: Vec<(Received, Arc<AtomicBool>)>,
    ids: Vec<SigId>,
}

impl Signals {
    /// Installs the handlers: each signal raises `stop` and its own flag; a SIGINT arriving
    /// when one has already been received ends the process at once with status 130 (the logs
    /// then hold whole rows, as they are written a whole row at a time).
    pub(crate) fn install(stop: StopSignal) -> io::Result<Signals> {
        let at_once = Arc::new(AtomicBool::new(true));
        let mut signals =
            Signals { stop, at_once: Arc::clone(&at_once), received: Vec::new(), ids: Vec::new() };
        for (signal, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")] {
            let exit_code = 128 + signal as u8;
            let received = Arc::new(AtomicBool::new(false));
            // First: before any output is in flight, the signal ends the process here.
            signals.ids.push(flag::register_conditional_shutdown(
                signal,
                exit_code.into(),
                Arc::clone(&at_once),
            )?);
            if signal == SIGINT {
                // Registered before the flag is set: the second SIGINT finds it set and exits.
                let id = flag::register_conditional_shutdown(
                    signal,
                    exit_code.into(),
                    Arc::clone(&received),
                )?;
                signals.ids.push(id);
            }
            signals.ids.push(flag::register(signal, Arc::clone(&received))?);
            signals.ids.push(flag::register(signal, signals.stop.flag())?);
            signals.received.push((Received { name, exit_code }, received));
        }
        Ok(signals)
    }

    /// From now on a signal stops the run gracefully (at the end of a step, or between chunks)
    /// instead of ending the process: outputs are in flight and must be finished or removed.
    pub(crate) fn graceful(&self) {
        self.at_once.store(false, Ordering::SeqCst);
    }

    /// [`Signals::graceful`] now, before the outputs at `paths` are created, unless one of them
    /// is a FIFO: opening a FIFO waits for its reader, and a signal must still end that wait
    /// (the caller then calls `graceful` once they are open). Graceful before creating a file
    /// means a signal can never end the process between a temporary file and its removal.
    pub(crate) fn graceful_before_creating<'a>(&self, paths: impl IntoIterator<Item = &'a Path>) {
        if !paths.into_iter().any(is_fifo) {
            self.graceful();
        }
    }

    /// The first signal received, if any.
    pub(crate) fn received(&self) -> Option<Received> {
        self.received
            .iter()
            .find(|(_, flag)| flag.load(Ordering::Relaxed))
            .map(|(received, _)| *received)
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// The error that ends a run stopped by `received`: `mlp: interrupted by SIGINT: stopped
/// {what}`, exiting with the signal's status (see [`crate::Interrupted`]).
pub(crate) fn interrupted(received: Received, what: String) -> anyhow::Error {
    anyhow::Error::new(crate::Interrupted {
        signal: received.name,
        exit_code: received.exit_code,
        message: format!("mlp: interrupted by {}: stopped {what}", received.name),
    })
}

/// True when `path` is a FIFO (opening it for writing waits for a reader).
fn is_fifo(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|metadata| metadata.file_type().is_fifo())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}
