//! After a hangup (an SSH connection dropped, a tmux session killed) the terminal is gone and
//! every write to it fails with EIO. `eprintln!`, which ratatui uses when restoring and when
//! dropping its terminal, panics on a failed write; inside the panic hook that becomes an abort,
//! and an abort skips the destructors that stop the embedded PostgreSQL. So once the terminal
//! has hung up, stdout and stderr are pointed at /dev/null and late writes succeed silently.

use std::fs::OpenOptions;
use std::os::fd::AsRawFd;

/// Points stdout and stderr at /dev/null if they are a terminal that hung up; leaves them alone
/// otherwise (a live terminal, a file, a pipe).
pub fn detach_from_hung_up_terminal() {
    let Ok(null) = OpenOptions::new().write(true).open("/dev/null") else {
        return;
    };
    for fd in [libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        if hung_up(fd) {
            // SAFETY: both descriptors are open; dup2 replaces `fd` atomically and `null` stays
            // open until the call returns.
            unsafe {
                libc::dup2(null.as_raw_fd(), fd);
            }
        }
    }
}

/// Whether `fd` is a terminal that hung up: Linux answers terminal requests on a hung-up
/// terminal with EIO (a live one answers, a file or pipe answers ENOTTY).
fn hung_up(fd: libc::c_int) -> bool {
    let mut termios = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr only writes into the buffer it is given.
    let result = unsafe { libc::tcgetattr(fd, termios.as_mut_ptr()) };
    result != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EIO)
}

#[cfg(test)]
mod tests {
    use super::hung_up;
    use std::os::fd::AsRawFd;

    #[test]
    fn files_and_pipes_are_not_hung_up_terminals() {
        let file = tempfile::tempfile().unwrap();
        assert!(!hung_up(file.as_raw_fd()));
        let null = std::fs::File::open("/dev/null").unwrap();
        assert!(!hung_up(null.as_raw_fd()));
    }
}
