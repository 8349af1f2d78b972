//! The edits `umoci config` makes to an image config and manifest
//! annotations, applied in upstream's order: clears first, then metadata,
//! then each `--config.*` value.

use std::collections::BTreeMap;

use super::error::{ImageError, Result};
use crate::spec::{Empty, GoTime, Image};

/// Every change `umoci config` can request. `None`/empty means "leave as is".
#[derive(Debug, Clone, Default)]
pub struct ConfigEdits {
    /// `--clear` keys.
    pub clear: Vec<String>,
    /// `--created`.
    pub created: Option<GoTime>,
    /// `--author`.
    pub author: Option<String>,
    /// `--platform.os` / `--os`.
    pub os: Option<String>,
    /// `--platform.arch` / `--architecture`.
    pub architecture: Option<String>,
    /// `--platform.variant`.
    pub variant: Option<String>,
    /// `--config.user`.
    pub user: Option<String>,
    /// `--config.stopsignal`.
    pub stop_signal: Option<String>,
    /// `--config.workingdir`.
    pub working_dir: Option<String>,
    /// `--config.exposedports`, added.
    pub exposed_ports: Vec<String>,
    /// `--config.env` (`NAME=value`), replacing a variable of the same name.
    pub env: Vec<String>,
    /// `--config.entrypoint`, replacing the whole entrypoint when given.
    pub entrypoint: Option<Vec<String>>,
    /// `--config.cmd`, replacing the whole command when given.
    pub cmd: Option<Vec<String>>,
    /// `--config.volume`, added.
    pub volumes: Vec<String>,
    /// `--config.label` (`name=value`).
    pub labels: Vec<String>,
    /// `--manifest.annotation` (`name=value`).
    pub annotations: Vec<String>,
}

/// Splits `name=value`; the name must be non-empty.
pub fn parse_kv(flag: &'static str, input: &str) -> Result<(String, String)> {
    let (name, value) = input
        .split_once('=')
        .ok_or_else(|| ImageError::BadKeyValue {
            flag,
            reason: "must contain '='",
            input: input.to_owned(),
        })?;
    if name.is_empty() {
        return Err(ImageError::BadKeyValue {
            flag,
            reason: "must have non-empty name",
            input: input.to_owned(),
        });
    }
    Ok((name.to_owned(), value.to_owned()))
}

impl ConfigEdits {
    /// Applies the edits to `image` and the manifest's `annotations`. Fails
    /// without partial effect on the caller's stored image: callers write
    /// only after this returns `Ok`.
    pub fn apply(
        &self,
        image: &mut Image,
        annotations: &mut BTreeMap<String, String>,
    ) -> Result<()> {
        let config = &mut image.config;
        for key in &self.clear {
            match key.as_str() {
                "config.labels" => config.labels.clear(),
                "manifest.annotations" => annotations.clear(),
                "config.exposedports" => config.exposed_ports.clear(),
                "config.env" => config.env.clear(),
                "config.volume" => config.volumes.clear(),
                "config.cmd" => config.cmd.clear(),
                "config.entrypoint" => config.entrypoint.clear(),
                "rootfs.diffids" => return Err(ImageError::UnsafeClear),
                other => return Err(ImageError::UnknownClearKey(other.to_owned())),
            }
        }
        if let Some(t) = self.created {
            image.created = Some(t);
        }
        set(&mut image.author, &self.author);
        set(&mut image.architecture, &self.architecture);
        set(&mut image.os, &self.os);
        set(&mut image.variant, &self.variant);
        let config = &mut image.config;
        set(&mut config.user, &self.user);
        set(&mut config.stop_signal, &self.stop_signal);
        set(&mut config.working_dir, &self.working_dir);
        for port in &self.exposed_ports {
            config.exposed_ports.insert(port.clone(), Empty);
        }
        for env in &self.env {
            let (name, value) = parse_kv("config.env", env)?;
            let prefix = format!("{name}=");
            let pair = format!("{name}={value}");
            match config.env.iter_mut().find(|e| e.starts_with(&prefix)) {
                Some(existing) => *existing = pair,
                None => config.env.push(pair),
            }
        }
        if let Some(entrypoint) = &self.entrypoint {
            config.entrypoint = entrypoint.clone();
        }
        if let Some(cmd) = &self.cmd {
            config.cmd = cmd.clone();
        }
        for volume in &self.volumes {
            config.volumes.insert(volume.clone(), Empty);
        }
        for label in &self.labels {
            let (name, value) = parse_kv("config.label", label)?;
            config.labels.insert(name, value);
        }
        for annotation in &self.annotations {
            let (name, value) = parse_kv("manifest.annotation", annotation)?;
            annotations.insert(name, value);
        }
        Ok(())
    }
}

fn set(field: &mut String, value: &Option<String>) {
    if let Some(v) = value {
        field.clone_from(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Image {
        let mut img = Image::default();
        img.config.env = vec!["PATH=/bin".into(), "A=1".into()];
        img.config.cmd = vec!["sh".into()];
        img.config.labels.insert("old".into(), "x".into());
        img
    }

    #[test]
    fn env_replaces_same_name_and_appends_new() {
        let mut img = image();
        let edits = ConfigEdits {
            env: vec!["A=2".into(), "B=3".into(), "A=4=5".into()],
            ..Default::default()
        };
        edits.apply(&mut img, &mut BTreeMap::new()).unwrap();
        assert_eq!(img.config.env, ["PATH=/bin", "A=4=5", "B=3"]);
    }

    #[test]
    fn clears_happen_before_sets() {
        let mut img = image();
        let mut ann = BTreeMap::from([("k".to_string(), "v".to_string())]);
        let edits = ConfigEdits {
            clear: vec![
                "config.labels".into(),
                "manifest.annotations".into(),
                "config.cmd".into(),
            ],
            labels: vec!["new=y".into()],
            annotations: vec!["a=b".into()],
            ..Default::default()
        };
        edits.apply(&mut img, &mut ann).unwrap();
        assert_eq!(
            img.config.labels,
            BTreeMap::from([("new".into(), "y".into())])
        );
        assert_eq!(ann, BTreeMap::from([("a".into(), "b".into())]));
        assert!(img.config.cmd.is_empty());
    }

    #[test]
    fn errors_table() {
        let cases: Vec<(ConfigEdits, &str)> = vec![
            (
                ConfigEdits {
                    clear: vec!["rootfs.diffids".into()],
                    ..Default::default()
                },
                "not safe",
            ),
            (
                ConfigEdits {
                    clear: vec!["bogus".into()],
                    ..Default::default()
                },
                "unknown key to --clear: bogus",
            ),
            (
                ConfigEdits {
                    env: vec!["NOEQUALS".into()],
                    ..Default::default()
                },
                "config.env: must contain '='",
            ),
            (
                ConfigEdits {
                    labels: vec!["=v".into()],
                    ..Default::default()
                },
                "config.label: must have non-empty name",
            ),
            (
                ConfigEdits {
                    annotations: vec!["x".into()],
                    ..Default::default()
                },
                "manifest.annotation: must contain '='",
            ),
        ];
        for (edits, want) in cases {
            let err = edits
                .apply(&mut image(), &mut BTreeMap::new())
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{err} !~ {want}");
        }
    }
}
