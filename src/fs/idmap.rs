//! User and group id mappings (`--uid-map`, `--gid-map`), as runtime-spec's
//! `LinuxIDMapping` and upstream's `container:host[:size]` syntax.

use serde::{Deserialize, Serialize};

/// One contiguous range mapping container ids to host ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdMap {
    /// First id inside the container.
    #[serde(rename = "containerID")]
    pub container_id: u32,
    /// The host id `container_id` maps to.
    #[serde(rename = "hostID")]
    pub host_id: u32,
    /// How many consecutive ids are mapped.
    pub size: u32,
}

/// A mapping that cannot be parsed or an id that no mapping covers.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdMapError {
    /// The text is not `container:host[:size]` with valid numbers.
    #[error("invalid id mapping {0:?}: expected <container-id>:<host-id>[:<size>]")]
    Syntax(String),
    /// No mapping contains the container id.
    #[error("container id {0} cannot be mapped to a host id")]
    NoHostId(u32),
    /// No mapping contains the host id.
    #[error("host id {0} cannot be mapped to a container id")]
    NoContainerId(u32),
}

impl IdMap {
    /// Parses `container:host[:size]`; size defaults to 1.
    pub fn parse(text: &str) -> Result<Self, IdMapError> {
        let bad = || IdMapError::Syntax(text.to_owned());
        let parts: Vec<&str> = text.split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
        let map = IdMap {
            container_id: num(parts[0])?,
            host_id: num(parts[1])?,
            size: parts.get(2).map(|s| num(s)).transpose()?.unwrap_or(1),
        };
        let fits = |start: u32| start.checked_add(map.size).is_some();
        if map.size == 0 || !fits(map.container_id) || !fits(map.host_id) {
            return Err(bad());
        }
        Ok(map)
    }
}

/// Translates a container id to the host; no mappings means identity.
pub fn to_host(id: u32, maps: &[IdMap]) -> Result<u32, IdMapError> {
    if maps.is_empty() {
        return Ok(id);
    }
    maps.iter()
        .find(|m| id >= m.container_id && id - m.container_id < m.size)
        .map(|m| m.host_id + (id - m.container_id))
        .ok_or(IdMapError::NoHostId(id))
}

/// Translates a host id back into the container; no mappings means identity.
pub fn to_container(id: u32, maps: &[IdMap]) -> Result<u32, IdMapError> {
    if maps.is_empty() {
        return Ok(id);
    }
    maps.iter()
        .find(|m| id >= m.host_id && id - m.host_id < m.size)
        .map(|m| m.container_id + (id - m.host_id))
        .ok_or(IdMapError::NoContainerId(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_upstream_syntax() {
        assert_eq!(
            IdMap::parse("0:1000:1").unwrap(),
            IdMap {
                container_id: 0,
                host_id: 1000,
                size: 1
            }
        );
        assert_eq!(IdMap::parse("1:100000").unwrap().size, 1);
        for bad in [
            "",
            "1",
            "a:b",
            "1:2:3:4",
            "0:1000:0",
            "-1:0",
            "4294967295:0:2",
            "0:1:x",
        ] {
            assert!(IdMap::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn translates_both_ways() {
        let maps = [
            IdMap::parse("0:1000:1").unwrap(),
            IdMap::parse("1:100000:65536").unwrap(),
        ];
        assert_eq!(to_host(0, &maps), Ok(1000));
        assert_eq!(to_host(5, &maps), Ok(100004));
        assert_eq!(to_host(70000, &maps), Err(IdMapError::NoHostId(70000)));
        assert_eq!(to_container(100004, &maps), Ok(5));
        assert_eq!(to_container(1000, &maps), Ok(0));
        assert_eq!(to_container(7, &maps), Err(IdMapError::NoContainerId(7)));
        assert_eq!(to_host(42, &[]), Ok(42));
    }
}
