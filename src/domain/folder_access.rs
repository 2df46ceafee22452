//! Whether an account may enter (traverse) every folder on the way to a path, from the
//! folders' modes and owners: the embedded cluster runs as `postgres` when we are root, and a
//! private parent (root's home is 0700) would stop initdb with a bare "Permission denied".

use std::path::PathBuf;

/// One folder's owner, group and permission bits (as `stat` gives them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub path: PathBuf,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// The account that must get through: its user id and every group it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub uid: u32,
    pub gids: Vec<u32>,
}

impl Folder {
    /// The execute (search) bit of the class the account falls in: owner, else group, else
    /// others (as the kernel checks; ACLs aside). uid 0 passes everything.
    pub fn enterable_by(&self, account: &Account) -> bool {
        let bit = if account.uid == 0 {
            return true;
        } else if account.uid == self.uid {
            0o100
        } else if account.gids.contains(&self.gid) {
            0o010
        } else {
            0o001
        };
        self.mode & bit != 0
    }
}

/// The first folder (outermost first, as given) the account cannot enter.
pub fn first_closed<'a>(folders: &'a [Folder], account: &Account) -> Option<&'a Folder> {
    folders.iter().find(|folder| !folder.enterable_by(account))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(path: &str, mode: u32, uid: u32, gid: u32) -> Folder {
        Folder {
            path: path.into(),
            mode,
            uid,
            gid,
        }
    }

    const POSTGRES: u32 = 113;

    #[test]
    fn a_private_home_of_root_stops_postgres_and_is_named() {
        let account = Account {
            uid: POSTGRES,
            gids: vec![120],
        };
        let folders = [
            folder("/", 0o755, 0, 0),
            folder("/root", 0o700, 0, 0),
            folder("/root/.local", 0o755, 0, 0),
        ];
        let closed = first_closed(&folders, &account).expect("closed");
        assert_eq!(closed.path, PathBuf::from("/root"));
        let opened = [folder("/", 0o755, 0, 0), folder("/root", 0o701, 0, 0)];
        assert_eq!(first_closed(&opened, &account), None);
    }

    #[test]
    fn the_owner_group_and_others_bits_each_count_for_their_class() {
        let account = Account {
            uid: POSTGRES,
            gids: vec![120, 7],
        };
        // Owner: only the owner's bit counts, even when others may enter.
        assert!(!folder("/d", 0o011, POSTGRES, 0).enterable_by(&account));
        assert!(folder("/d", 0o100, POSTGRES, 0).enterable_by(&account));
        // A group the account is in: the group's bit.
        assert!(folder("/d", 0o710, 0, 7).enterable_by(&account));
        assert!(!folder("/d", 0o701, 0, 7).enterable_by(&account));
        // Anyone else: the others' bit.
        assert!(folder("/d", 0o751, 0, 0).enterable_by(&account));
        assert!(!folder("/d", 0o750, 0, 0).enterable_by(&account));
        // Root enters anything.
        assert!(folder("/d", 0o700, 5, 5).enterable_by(&Account {
            uid: 0,
            gids: vec![]
        }));
    }
}
