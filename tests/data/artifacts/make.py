# Writes the OCI layout of artifacts that tests/image_commands.rs stats
# (stat-0.6.0/ holds what upstream umoci 0.6.0 printed for each tag, and
# config-0.6.0/ the config.json it wrote unpacking some of them as root).
import json, hashlib, os, sys, base64, shutil
root = sys.argv[1]
shutil.rmtree(root, ignore_errors=True)
os.makedirs(root + "/blobs/sha256")
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"{root}/blobs/sha256/{d}", "wb").write(data)
    return "sha256:" + d
open(root + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
manifests = []
def add(tag, manifest):
    data = json.dumps(manifest, separators=(",", ":")).encode()
    manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(data), "size": len(data), "annotations": {"org.opencontainers.image.ref.name": tag}})
empty = b"{}"
ed = put(empty)
# 1: artifact with empty config, one layer of custom type
blob = b"hello artifact"
add("empty", {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "artifactType": "application/vnd.example+type",
  "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": ed, "size": 2, "data": "e30="},
  "layers": [{"mediaType": "application/vnd.example.data", "digest": put(blob), "size": len(blob)}]})
# 2: custom config type, no layers
cfg = b'{"foo":"bar"}'
add("custom", {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {"mediaType": "application/vnd.example.config+json", "digest": put(cfg), "size": len(cfg)}, "layers": []})
# 3: embedded data whose blob is absent
absent = b'{"x":1}'
d = "sha256:" + hashlib.sha256(absent).hexdigest()
add("data", {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": d, "size": len(absent), "data": base64.b64encode(absent).decode()}, "layers": [], "annotations": {"a": "b"}})
# 4: image config with fractional created and history
img = json.dumps({"created": "2021-01-01T00:00:00.123456789Z", "architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": []},
  "history": [{"created": "2021-01-01T00:00:00.5Z", "created_by": "x", "empty_layer": True}]}).encode()
add("frac", {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(img), "size": len(img)}, "layers": []})
# 5: descriptors with embedded data of every byte value (and more than is shown)
raw = bytes(range(256)) + b"x" * 44
add("bytes", {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": ed, "size": 2, "data": "e30="},
  "layers": [{"mediaType": "application/octet-stream", "digest": "sha256:" + hashlib.sha256(raw).hexdigest(), "size": len(raw), "data": base64.b64encode(raw).decode()}]})
idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
open(root + "/index.json", "w").write(json.dumps(idx))
