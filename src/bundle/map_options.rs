//! `map_options` in `umoci.json`: how a bundle's owners were mapped, in
//! upstream's JSON shape. The tool itself works with the
//! [`Ownership`] this describes.

use serde::{Deserialize, Serialize};

use crate::fs::{IdMap, Ownership};

/// Id maps and rootless mode, as upstream's `MapOptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapOptions {
    /// `--uid-map` ranges; empty means identity.
    #[serde(default, with = "null_as_empty")]
    pub uid_mappings: Vec<IdMap>,
    /// `--gid-map` ranges; empty means identity.
    #[serde(default, with = "null_as_empty")]
    pub gid_mappings: Vec<IdMap>,
    /// Unpacked as an unprivileged user (no chown; owners in an xattr).
    #[serde(default)]
    pub rootless: bool,
}

impl MapOptions {
    /// The ownership these options describe.
    pub fn ownership(&self) -> Ownership {
        let (uid, gid) = (self.uid_mappings.clone(), self.gid_mappings.clone());
        if self.rootless {
            Ownership::rootless(uid, gid)
        } else {
            Ownership::privileged(uid, gid)
        }
    }
}

impl From<&Ownership> for MapOptions {
    fn from(ownership: &Ownership) -> Self {
        MapOptions {
            uid_mappings: ownership.uid_maps().to_vec(),
            gid_mappings: ownership.gid_maps().to_vec(),
            rootless: ownership.is_rootless(),
        }
    }
}

/// Go encodes an empty (nil) slice as `null`; match it both ways.
mod null_as_empty {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(v: &Vec<T>, s: S) -> Result<S::Ok, S::Error> {
        if v.is_empty() {
            s.serialize_none()
        } else {
            v.serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_ownership_and_json() {
        let opts = MapOptions {
            uid_mappings: vec![IdMap::parse("0:1000").unwrap()],
            gid_mappings: Vec::new(),
            rootless: true,
        };
        assert_eq!(MapOptions::from(&opts.ownership()), opts);
        let json = serde_json::to_string(&opts).unwrap();
        assert_eq!(
            json,
            r#"{"uid_mappings":[{"containerID":0,"hostID":1000,"size":1}],"gid_mappings":null,"rootless":true}"#
        );
        assert_eq!(serde_json::from_str::<MapOptions>(&json).unwrap(), opts);
    }
}
