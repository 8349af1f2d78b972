//! The human-readable `stat` text of upstream umoci 0.6: `== MANIFEST ==`,
//! `== CONFIG ==` and `== HISTORY ==` sections with tab-indented fields.

use std::collections::BTreeMap;
use std::io::Write as _;

use super::go_fmt::{go_quote, human_size, quote, tabulate};
use super::stat::{HistoryStat, ManifestStat};
use crate::spec::{Descriptor, Empty, Image, ImageConfig, Manifest, Platform};

/// Bytes, not a string: a descriptor's data dump shows high bytes raw, as
/// upstream's does.
struct Printer {
    out: Vec<u8>,
}

impl Printer {
    fn field(&mut self, prefix: &str, key: &str, values: &[&str]) {
        if values.is_empty() {
            let _ = writeln!(self.out, "{prefix}{key}:");
            return;
        }
        let quoted: Vec<String> = values
            .iter()
            .map(|v| {
                if v.contains(',') {
                    go_quote(v)
                } else {
                    quote(v, true)
                }
            })
            .collect();
        let _ = writeln!(self.out, "{prefix}{key}: {}", quoted.join(", "));
    }

    fn slice(&mut self, prefix: &str, name: &str, data: &[String]) {
        if data.is_empty() {
            return self.field(prefix, name, &["(empty)"]);
        }
        self.field(prefix, name, &[]);
        for line in data {
            let _ = writeln!(self.out, "{prefix}\t{}", quote(line, true));
        }
    }

    fn map(&mut self, prefix: &str, name: &str, data: &BTreeMap<String, String>) {
        if data.is_empty() {
            return self.field(prefix, name, &["(empty)"]);
        }
        self.field(prefix, name, &[]);
        let inner = format!("{prefix}\t");
        for (key, value) in data {
            self.field(&inner, &quote(key, true), &[value]);
        }
    }

    fn set(&mut self, prefix: &str, name: &str, data: &BTreeMap<String, Empty>) {
        if data.is_empty() {
            return self.field(prefix, name, &["(empty)"]);
        }
        let keys: Vec<&str> = data.keys().map(String::as_str).collect();
        self.field(prefix, name, &keys);
    }

    fn platform(&mut self, prefix: &str, p: &Platform) {
        self.field(prefix, "Platform", &[]);
        let prefix = format!("{prefix}\t");
        self.field(&prefix, "OS", &[&p.os]);
        if !p.os_version.is_empty() {
            self.field(&prefix, "OS Version", &[&p.os_version]);
        }
        if !p.os_features.is_empty() {
            let features: Vec<&str> = p.os_features.iter().map(String::as_str).collect();
            self.field(&prefix, "OS Features", &features);
        }
        let mut arch = quote(&p.architecture, true);
        if !p.variant.is_empty() {
            arch.push_str(&format!(" ({})", quote(&p.variant, false)));
        }
        let _ = writeln!(self.out, "{prefix}Architecture: {arch}");
    }

    fn descriptor(&mut self, prefix: &str, d: &Descriptor) {
        self.field(prefix, "Descriptor", &[]);
        let prefix = format!("{prefix}\t");
        self.field(&prefix, "Media Type", &[&d.media_type]);
        if !d.artifact_type.is_empty() {
            self.field(&prefix, "Artifact Type", &[&d.artifact_type]);
        }
        self.field(&prefix, "Digest", &[&d.digest.to_string()]);
        self.field(&prefix, "Size", &[&human_size(d.size)]);
        if let Some(p) = &d.platform {
            // Upstream prints a descriptor's platform without indentation.
            self.platform("", p);
        }
        if !d.urls.is_empty() {
            self.slice(&prefix, "URLs", &d.urls);
        }
        if !d.annotations.is_empty() {
            self.map(&prefix, "Annotations", &d.annotations);
        }
        if let Some(Ok(data)) = d.embedded_data() {
            if !data.is_empty() {
                self.bytes(&prefix, "Data", &data);
            }
        }
    }

    /// `NAME: (N bytes)` and an `xxd`-style dump of the first 256 bytes.
    fn bytes(&mut self, prefix: &str, name: &str, data: &[u8]) {
        /// How much of the data is shown.
        const SHOWN: usize = 256;
        let _ = writeln!(self.out, "{prefix}{name}: ({} bytes)", data.len());
        for (line, chunk) in data[..data.len().min(SHOWN)].chunks(16).enumerate() {
            let _ = write!(self.out, "{prefix}\t{:04x}: ", line * 16);
            for i in 0..16 {
                if i != 0 && i % 2 == 0 {
                    self.out.push(b' ');
                }
                match chunk.get(i) {
                    Some(b) => {
                        let _ = write!(self.out, "{b:02x}");
                    }
                    None => self.out.extend_from_slice(b"  "),
                }
            }
            self.out.extend_from_slice(b"  ");
            // Upstream keeps the bytes that are graphic as Latin-1 code
            // points; control characters (C0, DEL, C1, soft hyphen) are dots.
            let shown: Vec<u8> = chunk
                .iter()
                .map(|&b| match b {
                    0x20..=0x7e => b,
                    0xa0..=0xff if b != 0xad => b,
                    _ => b'.',
                })
                .collect();
            self.out.extend_from_slice(&shown);
            self.out.push(b'\n');
        }
        if data.len() > SHOWN {
            let _ = writeln!(
                self.out,
                "{prefix}\t....  (extra {} bytes omitted)",
                data.len() - SHOWN
            );
        }
    }

    fn manifest(&mut self, m: &Manifest) {
        self.field("", "Schema Version", &[&m.schema_version.to_string()]);
        self.field("", "Media Type", &[&m.media_type]);
        if !m.artifact_type.is_empty() {
            self.field("", "Artifact Type", &[&m.artifact_type]);
        }
        self.field("", "Config", &[]);
        self.descriptor("\t", &m.config);
        if !m.layers.is_empty() {
            self.field("", "Layers", &[]);
            for layer in &m.layers {
                self.descriptor("\t", layer);
            }
        }
        if let Some(subject) = &m.subject {
            self.field("", "Subject", &[]);
            self.descriptor("\t", subject);
        }
        if !m.annotations.is_empty() {
            self.map("", "Annotations", &m.annotations);
        }
    }

    fn image_config(&mut self, c: &ImageConfig) {
        self.field("", "Image Config", &[]);
        let p = "\t";
        self.field(p, "User", &[&c.user]);
        let escaped = if c.args_escaped { " (escaped)" } else { "" };
        if !c.entrypoint.is_empty() {
            self.slice(p, &format!("Entrypoint{escaped}"), &c.entrypoint);
        }
        self.slice(p, &format!("Command{escaped}"), &c.cmd);
        if !c.working_dir.is_empty() {
            self.field(p, "Working Directory", &[&c.working_dir]);
        }
        if !c.env.is_empty() {
            self.slice(p, "Environment", &c.env);
        }
        if !c.stop_signal.is_empty() {
            self.field(p, "Stop Signal", &[&c.stop_signal]);
        }
        if !c.exposed_ports.is_empty() {
            self.set(p, "Exposed Ports", &c.exposed_ports);
        }
        if !c.volumes.is_empty() {
            self.set(p, "Volumes", &c.volumes);
        }
        if !c.labels.is_empty() {
            self.map(p, "Labels", &c.labels);
        }
    }

    fn image(&mut self, img: &Image) {
        if let Some(created) = &img.created {
            self.field("", "Created", &[&created.to_iso8601()]);
        }
        self.field("", "Author", &[&img.author]);
        let platform = Platform {
            architecture: img.architecture.clone(),
            os: img.os.clone(),
            os_version: img.os_version.clone(),
            os_features: img.os_features.clone(),
            variant: img.variant.clone(),
        };
        self.platform("", &platform);
        self.image_config(&img.config);
    }
}

impl ManifestStat {
    /// The human-readable form. Upstream warns that it may change between
    /// versions; scripts should use `--json`.
    pub fn to_text(&self) -> Vec<u8> {
        let mut p = Printer { out: Vec::new() };
        p.out.extend_from_slice(b"== MANIFEST ==\n");
        p.manifest(&self.parsed_manifest);
        p.descriptor("", &self.manifest.descriptor);
        if let Some(config) = &self.config {
            p.out.extend_from_slice(b"\n== CONFIG ==\n");
            if let Some(image) = &self.image {
                p.image(image);
            }
            p.descriptor("", &config.descriptor);
        }
        if let Some(history) = &self.history {
            p.out.extend_from_slice(b"\n== HISTORY ==\n");
            p.history(history);
        }
        p.out
    }
}

impl Printer {
    fn history(&mut self, history: &[HistoryStat]) {
        let mut rows = vec![["LAYER", "CREATED", "CREATED BY", "SIZE", "COMMENT"]
            .map(String::from)
            .to_vec()];
        for h in history {
            let created = h
                .history
                .created
                .map(|t| t.to_iso8601())
                .unwrap_or_default();
            let (layer, size) = match &h.layer {
                Some(l) if !h.history.empty_layer => (l.digest.to_string(), human_size(l.size)),
                _ => ("<none>".to_owned(), "<none>".to_owned()),
            };
            rows.push(vec![
                layer,
                quote(&created, false),
                quote(&h.history.created_by, false),
                size,
                quote(&h.history.comment, false),
            ]);
        }
        self.out.extend_from_slice(tabulate(&rows).as_bytes());
    }
}
