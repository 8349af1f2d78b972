//! `user[:group]` resolution as runc's `GetExecUser` does it: names are
//! looked up in passwd/group files, numbers are taken as ids, a named user
//! brings its home directory and (without an explicit group) its
//! supplementary groups.

/// The resolved process identity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecUser {
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Supplementary group ids.
    pub sgids: Vec<u32>,
    /// Home directory from passwd, if any.
    pub home: String,
}

/// A user or group name the passwd or group file does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// No passwd entry for a user name.
    #[error("unable to find user {0}: no matching entries in passwd file")]
    NoUser(String),
    /// No group entry for a group name.
    #[error("unable to find group {0}: no matching entries in group file")]
    NoGroup(String),
}

struct Passwd<'a> {
    name: &'a str,
    uid: u32,
    gid: u32,
    home: &'a str,
}

struct Group<'a> {
    name: &'a str,
    gid: u32,
    members: Vec<&'a str>,
}

fn passwd_entries(text: &str) -> impl Iterator<Item = Passwd<'_>> {
    text.lines().filter_map(|line| {
        let f: Vec<&str> = line.trim().split(':').collect();
        if f.len() < 4 || f[0].is_empty() || line.trim_start().starts_with('#') {
            return None;
        }
        Some(Passwd {
            name: f[0],
            uid: f[2].parse().ok()?,
            gid: f[3].parse().ok()?,
            home: f.get(5).copied().unwrap_or(""),
        })
    })
}

fn group_entries(text: &str) -> impl Iterator<Item = Group<'_>> {
    text.lines().filter_map(|line| {
        let f: Vec<&str> = line.trim().split(':').collect();
        if f.len() < 3 || f[0].is_empty() || line.trim_start().starts_with('#') {
            return None;
        }
        Some(Group {
            name: f[0],
            gid: f[2].parse().ok()?,
            members: f
                .get(3)
                .map(|m| m.split(',').filter(|s| !s.is_empty()).collect())
                .unwrap_or_default(),
        })
    })
}

/// Resolves `spec` (`user`, `uid`, `user:group`, …) against optional
/// passwd and group file contents.
pub fn resolve(
    spec: &str,
    passwd: Option<&str>,
    group: Option<&str>,
) -> Result<ExecUser, UserError> {
    let (user_arg, group_arg) = match spec.split_once(':') {
        Some((u, g)) => (u, g),
        None => (spec, ""),
    };
    let uid_num: Option<u32> = user_arg.parse().ok();
    let gid_num: Option<u32> = group_arg.parse().ok();
    let mut user = ExecUser::default();

    let matched = passwd.and_then(|text| {
        passwd_entries(text).find(|p| {
            if user_arg.is_empty() {
                p.uid == 0
            } else if let Some(uid) = uid_num {
                p.uid == uid
            } else {
                p.name == user_arg
            }
        })
    });
    let mut matched_name = "";
    if let Some(p) = matched {
        matched_name = p.name;
        user.uid = p.uid;
        user.gid = p.gid;
        user.home = p.home.to_owned();
    } else if !user_arg.is_empty() {
        user.uid = uid_num.ok_or_else(|| UserError::NoUser(user_arg.to_owned()))?;
    }

    if !group_arg.is_empty() || !matched_name.is_empty() {
        let groups: Vec<Group<'_>> = group
            .map(|text| {
                group_entries(text)
                    .filter(|g| {
                        if group_arg.is_empty() {
                            g.members.contains(&matched_name)
                        } else if let Some(gid) = gid_num {
                            g.gid == gid
                        } else {
                            g.name == group_arg
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !group_arg.is_empty() {
            user.gid = match groups.first() {
                Some(g) => g.gid,
                None => gid_num.ok_or_else(|| UserError::NoGroup(group_arg.to_owned()))?,
            };
        } else {
            user.sgids = groups.iter().map(|g| g.gid).collect();
        }
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nalice:x:1000:\nwheel:x:10:alice,bob\nstaff:x:50:alice\n";

    #[test]
    fn resolves_like_runc() {
        let r = |s| resolve(s, Some(PASSWD), Some(GROUP));
        assert_eq!(
            r("").unwrap(),
            ExecUser {
                uid: 0,
                gid: 0,
                sgids: vec![],
                home: "/root".into()
            }
        );
        assert_eq!(
            r("alice").unwrap(),
            ExecUser {
                uid: 1000,
                gid: 1000,
                sgids: vec![10, 50],
                home: "/home/alice".into()
            }
        );
        assert_eq!(
            r("alice:wheel").unwrap(),
            ExecUser {
                uid: 1000,
                gid: 10,
                sgids: vec![],
                home: "/home/alice".into()
            }
        );
        assert_eq!(
            r("1234:5678").unwrap(),
            ExecUser {
                uid: 1234,
                gid: 5678,
                sgids: vec![],
                home: String::new()
            }
        );
        assert_eq!(r("1000").unwrap().home, "/home/alice");
        assert!(r("nobody").is_err());
        assert!(r("alice:nogroup").is_err());
        assert_eq!(resolve("42", None, None).unwrap().uid, 42);
    }
}
