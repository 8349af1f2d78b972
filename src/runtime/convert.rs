//! Building the runtime spec: upstream's default template, then the image
//! config applied over it (conversion.md), then id mappings and, for
//! rootless bundles, the adjustments an unprivileged runtime needs.

use std::collections::HashMap;

use rustix::fs::OFlags;

use serde_json::{json, Map, Value};

use super::user::{self, ExecUser};
use crate::fs::Ownership;
use crate::fs::{RelPath, Root};
use crate::spec::Image;

/// The runtime-spec version written to `ociVersion`.
pub const RUNTIME_SPEC_VERSION: &str = "1.2.1";

/// The image cannot be turned into a runtime config.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// Only Linux images can be run by this conversion.
    #[error("unsupported OS: {0}")]
    UnsupportedOs(String),
    /// An `Env` entry is not `NAME=value`.
    #[error("parsing image.Config.Env: {0}")]
    BadEnv(String),
    /// `Config.User` names a user or group the rootfs does not have.
    #[error("cannot parse user spec: {spec:?}: {reason}")]
    BadUser {
        /// The user spec.
        spec: String,
        /// Why it failed.
        reason: super::user::UserError,
    },
}

const CAPS: [&str; 3] = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

fn default_spec() -> Value {
    json!({
        "ociVersion": RUNTIME_SPEC_VERSION,
        "process": {
            "terminal": true,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            "cwd": "/",
            "capabilities": {"bounding": CAPS, "effective": CAPS, "inheritable": CAPS, "permitted": CAPS, "ambient": CAPS},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": true
        },
        "root": {"path": "rootfs"},
        "hostname": "umoci-default",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
        ],
        "annotations": {},
        "linux": {
            "resources": {"devices": [{"allow": false, "access": "rwm"}]},
            "namespaces": [{"type": "cgroup"}, {"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
            "maskedPaths": ["/proc/kcore", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            "readonlyPaths": ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        }
    })
}

/// The process environment being built: the order variables were first
/// set in, and where each name is, so that setting one is a lookup rather
/// than a search (an image can carry hundreds of thousands of `Env`
/// entries).
struct EnvList {
    vars: Vec<String>,
    by_name: HashMap<String, usize>,
}

impl EnvList {
    fn from_json(env: &[Value]) -> Self {
        let mut list = EnvList {
            vars: Vec::with_capacity(env.len()),
            by_name: HashMap::new(),
        };
        for var in env.iter().filter_map(Value::as_str) {
            let (name, value) = var.split_once('=').unwrap_or((var, ""));
            list.set(name, value, false);
        }
        list
    }

    /// Sets `name`; an existing variable keeps its value unless `clobber`.
    fn set(&mut self, name: &str, value: &str, clobber: bool) {
        let new = format!("{name}={value}");
        match self.by_name.get(name) {
            Some(&i) => {
                if clobber {
                    self.vars[i] = new;
                }
            }
            None => {
                self.by_name.insert(name.to_owned(), self.vars.len());
                self.vars.push(new);
            }
        }
    }

    fn into_json(self) -> Value {
        Value::Array(self.vars.into_iter().map(Value::String).collect())
    }
}

/// Reads a file inside the root (symlinks resolved within it); `None` if
/// it does not exist or cannot be read.
fn read_in_root(root: &Root, path: &str) -> Option<String> {
    // Non-blocking and regular files only: a FIFO or a device planted as
    // `/etc/passwd` must neither hang us nor be opened for real.
    let pinned = root
        .resolve(&RelPath::clean(path.as_bytes()), OFlags::PATH)
        .ok()?;
    let file = match crate::fs::file::reopen_regular(&pinned) {
        Ok(file) => file,
        Err(e) => {
            log::warn!("ignoring {path} in the rootfs: {e}");
            return None;
        }
    };
    let data = crate::fs::file::read_capped(file, MAX_ID_FILE_SIZE).ok()?;
    String::from_utf8(data).ok()
}

/// Largest `/etc/passwd` or `/etc/group` read from a rootfs.
const MAX_ID_FILE_SIZE: u64 = 16 << 20;

/// Builds `config.json` for `image`. With a `rootfs`, `Config.User` is
/// resolved against its passwd and group files; without one, an
/// unresolvable user falls back to root (with a warning), as upstream does.
pub fn to_runtime_spec(
    image: &Image,
    rootfs: Option<&Root>,
    ownership: &Ownership,
) -> Result<Value, RuntimeError> {
    let os = if image.os.is_empty() {
        "linux"
    } else {
        image.os.as_str()
    };
    if os != "linux" {
        return Err(RuntimeError::UnsupportedOs(image.os.clone()));
    }
    let mut spec = default_spec();
    let cfg = &image.config;
    {
        let process = spec["process"]
            .as_object_mut()
            .expect("template has process");
        if !cfg.working_dir.is_empty() {
            process["cwd"] = json!(cfg.working_dir);
        }
        let mut env = EnvList::from_json(process["env"].as_array().expect("template has env"));
        for var in &cfg.env {
            let (name, value) = var.split_once('=').ok_or_else(|| {
                RuntimeError::BadEnv(format!("environment variable must contain '=': {var}"))
            })?;
            if name.is_empty() {
                return Err(RuntimeError::BadEnv(format!(
                    "environment variable must have non-empty name: {var}"
                )));
            }
            env.set(name, value, true);
        }
        process["env"] = env.into_json();
        let args: Vec<&String> = cfg.entrypoint.iter().chain(cfg.cmd.iter()).collect();
        if !args.is_empty() {
            process["args"] = json!(args);
        }
    }

    let annotations = spec["annotations"]
        .as_object_mut()
        .expect("template has annotations");
    let mut set = |k: &str, v: String| {
        if !v.is_empty() {
            annotations.insert(k.to_owned(), Value::String(v));
        }
    };
    set("org.opencontainers.image.os", os.to_owned());
    set(
        "org.opencontainers.image.architecture",
        image.architecture.clone(),
    );
    set("org.opencontainers.image.variant", image.variant.clone());
    set("org.opencontainers.image.author", image.author.clone());
    set(
        "org.opencontainers.image.created",
        image
            .created
            .as_ref()
            .map(|t| t.to_iso8601())
            .unwrap_or_else(|| "0001-01-01T00:00:00Z".to_owned()),
    );
    set(
        "org.opencontainers.image.stopSignal",
        cfg.stop_signal.clone(),
    );
    set(
        "org.opencontainers.image.exposedPorts",
        cfg.exposed_ports
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(","),
    );
    // Labels win over the annotations derived from other fields.
    for (k, v) in &cfg.labels {
        annotations.insert(k.clone(), Value::String(v.clone()));
    }
    // A Go map: written with its keys sorted.
    annotations.sort_keys();

    let exec = resolve_user(&cfg.user, rootfs)?;
    {
        let process = spec["process"]
            .as_object_mut()
            .expect("template has process");
        let mut user = Map::new();
        user.insert("uid".into(), json!(exec.uid));
        user.insert("gid".into(), json!(exec.gid));
        if !exec.sgids.is_empty() && !ownership.is_rootless() {
            user.insert("additionalGids".into(), json!(exec.sgids));
        }
        process["user"] = Value::Object(user);
        if !exec.home.is_empty() {
            let mut env = EnvList::from_json(process["env"].as_array().expect("template has env"));
            env.set("HOME", &exec.home, false);
            process["env"] = env.into_json();
        }
    }
    let mounts = spec["mounts"].as_array_mut().expect("template has mounts");
    for volume in cfg.volumes.keys() {
        mounts.push(json!({"destination": volume, "type": "tmpfs", "source": "none", "options": ["rw", "nosuid", "nodev", "noexec", "relatime"]}));
    }

    apply_id_maps(&mut spec, ownership);
    if ownership.is_rootless() {
        to_rootless(&mut spec);
    }
    Ok(spec)
}

fn resolve_user(spec: &str, rootfs: Option<&Root>) -> Result<ExecUser, RuntimeError> {
    let (passwd, group) = match rootfs {
        Some(root) => (
            read_in_root(root, "/etc/passwd"),
            read_in_root(root, "/etc/group"),
        ),
        None => (None, None),
    };
    match user::resolve(spec, passwd.as_deref(), group.as_deref()) {
        Ok(u) => Ok(u),
        Err(reason) if rootfs.is_some() => Err(RuntimeError::BadUser {
            spec: spec.to_owned(),
            reason,
        }),
        Err(_) => {
            log::warn!(
                "could not parse user spec {spec:?} without a rootfs -- defaulting to root:root"
            );
            Ok(ExecUser::default())
        }
    }
}

/// Id mappings put the container in a user namespace.
fn apply_id_maps(spec: &mut Value, ownership: &Ownership) {
    let linux = spec["linux"].as_object_mut().expect("template has linux");
    if !ownership.uid_maps().is_empty() || !ownership.gid_maps().is_empty() {
        let namespaces = linux["namespaces"]
            .as_array_mut()
            .expect("template has namespaces");
        namespaces.retain(|ns| ns["type"] != "user");
        namespaces.push(json!({"type": "user"}));
    }
    // Keep runtime-spec's field order: mappings come first in `linux`.
    let mut ordered = Map::new();
    if !ownership.uid_maps().is_empty() {
        ordered.insert("uidMappings".into(), json!(ownership.uid_maps()));
    }
    if !ownership.gid_maps().is_empty() {
        ordered.insert("gidMappings".into(), json!(ownership.gid_maps()));
    }
    ordered.extend(std::mem::take(linux));
    *linux = ordered;
}

/// Upstream's `ToRootless`: no network namespace, a user namespace, no
/// mounts under /sys (bind the host's instead), no uid=/gid= mount
/// options, resolv.conf bound in, no cgroup resource settings.
fn to_rootless(spec: &mut Value) {
    if let Some(user) = spec["process"]["user"].as_object_mut() {
        user.remove("additionalGids");
    }
    let linux = spec["linux"].as_object_mut().expect("template has linux");
    let namespaces = linux["namespaces"]
        .as_array_mut()
        .expect("template has namespaces");
    namespaces.retain(|ns| ns["type"] != "network" && ns["type"] != "user");
    namespaces.push(json!({"type": "user"}));
    linux.remove("resources");

    let mounts = spec["mounts"].as_array_mut().expect("template has mounts");
    mounts.retain(|m| !m["destination"].as_str().unwrap_or("").starts_with("/sys"));
    for mount in mounts.iter_mut() {
        if let Some(options) = mount.get_mut("options").and_then(Value::as_array_mut) {
            options.retain(|o| {
                let o = o.as_str().unwrap_or("");
                !o.starts_with("gid=") && !o.starts_with("uid=")
            });
        }
    }
    mounts.push(json!({"destination": "/sys", "type": "bind", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}));
    let mut options: Vec<&str> = locked_mount_flags("/etc/resolv.conf");
    options.extend(["rbind", "ro"]);
    mounts.push(json!({"destination": "/etc/resolv.conf", "type": "bind", "source": "/etc/resolv.conf", "options": options}));
}

/// Mount flags of the mount holding `path` that a user namespace may not
/// drop when bind-mounting it.
fn locked_mount_flags(path: &str) -> Vec<&'static str> {
    use rustix::fs::StatVfsMountFlags as F;
    let Ok(st) = rustix::fs::statvfs(path) else {
        return Vec::new();
    };
    let table = [
        (F::RDONLY, "ro"),
        (F::NODEV, "nodev"),
        (F::NOEXEC, "noexec"),
        (F::NOSUID, "nosuid"),
        (F::NOATIME, "noatime"),
        (F::RELATIME, "relatime"),
        (F::NODIRATIME, "nodiratime"),
    ];
    table
        .iter()
        .filter(|(f, _)| st.f_flag.contains(*f))
        .map(|(_, name)| *name)
        .collect()
}

/// Serialises a runtime spec as upstream does (tab-indented, trailing newline).
pub fn to_json(spec: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(spec, &mut ser).expect("a JSON value always serialises");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::IdMap;

    fn image(config: Value) -> Image {
        serde_json::from_value(json!({"architecture": "amd64", "os": "linux", "config": config}))
            .unwrap()
    }

    #[test]
    fn the_image_config_becomes_the_process() {
        let img = image(json!({
            "Entrypoint": ["/bin/sh", "-c"],
            "Cmd": ["echo hi"],
            "Env": ["PATH=/bin", "A=1"],
            "WorkingDir": "/srv",
            "User": "1000:100",
            "Labels": {"l": "v"}
        }));
        let spec = to_runtime_spec(&img, None, &Ownership::default()).unwrap();
        let process = &spec["process"];
        assert_eq!(process["args"], json!(["/bin/sh", "-c", "echo hi"]));
        assert_eq!(process["cwd"], "/srv");
        assert_eq!(process["user"]["uid"], 1000);
        assert_eq!(process["user"]["gid"], 100);
        let env: Vec<&str> = process["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            env.contains(&"PATH=/bin") && env.contains(&"A=1"),
            "{env:?}"
        );
        assert_eq!(spec["annotations"]["l"], "v");
        let namespaces = spec["linux"]["namespaces"].as_array().unwrap();
        assert!(namespaces.iter().any(|n| n["type"] == "network"));
    }

    #[test]
    fn rootless_bundles_get_a_user_namespace_and_the_maps() {
        let maps = vec![IdMap {
            container_id: 0,
            host_id: 1000,
            size: 1,
        }];
        let own = Ownership::rootless(maps.clone(), maps);
        let spec = to_runtime_spec(&image(json!({})), None, &own).unwrap();
        let linux = &spec["linux"];
        let namespaces = linux["namespaces"].as_array().unwrap();
        assert!(namespaces.iter().any(|n| n["type"] == "user"));
        assert!(!namespaces.iter().any(|n| n["type"] == "network"));
        assert_eq!(linux["uidMappings"][0]["hostID"], 1000);
        assert!(linux.get("resources").is_none());
        let mounts = spec["mounts"].as_array().unwrap();
        assert!(mounts
            .iter()
            .any(|m| m["destination"] == "/sys" && m["type"] == "bind"));
    }

    #[test]
    fn other_operating_systems_and_bad_env_are_refused() {
        let mut windows = image(json!({}));
        windows.os = "windows".into();
        assert!(matches!(
            to_runtime_spec(&windows, None, &Ownership::default()),
            Err(RuntimeError::UnsupportedOs(_))
        ));
        let bad = image(json!({"Env": ["NOEQUALS"]}));
        assert!(matches!(
            to_runtime_spec(&bad, None, &Ownership::default()),
            Err(RuntimeError::BadEnv(_))
        ));
    }
}
