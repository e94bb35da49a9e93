#!/usr/bin/env bash
# Installs what the test suite needs, idempotently, for any user:
#   - PostgreSQL 15 server binaries (Debian package postgresql-15)
#   - the pgvector extension for PG 15 (built from Debian trixie's source package,
#     since bookworm has no postgresql-15-pgvector)
# Privileged steps use sudo unless already root.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin

log() { echo "setup-pg: $*" >&2; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    "${SUDO[@]}" apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install $*"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- PostgreSQL 15 ---------------------------------------------------------
if [ ! -x "$PG_BIN/initdb" ]; then
  apt_install postgresql-15
fi

# --- pgvector --------------------------------------------------------------
# The control file is what makes the extension show up in pg_available_extensions.
if [ -x "$PG_BIN/pg_config" ] &&
   [ -f "$("$PG_BIN/pg_config" --sharedir)/extension/vector.control" ]; then
  log "pgvector already installed"
else
  start=$SECONDS
  apt_install postgresql-server-dev-15 build-essential

  # The Debian mirror this machine already uses (main archive, not -security).
  uris=$(
    { grep -hs '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources | sed 's/^[^:]*://' | tr ' ' '\n'
      grep -hs '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
        sed -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/'
    } | grep -E '^https?://' | grep -v security || true
  )
  mirror=$(grep -m1 -E '/debian/?$' <<<"$uris" || head -n1 <<<"$uris")
  mirror=${mirror:-http://deb.debian.org/debian}
  mirror=${mirror%/}
  log "fetching pgvector source from $mirror trixie"

  # A private apt setup inside a temp dir, so the machine's own apt config and
  # lists stay untouched (empty pkgcache/srcpkgcache = no cache files in /var/cache/apt).
  tmp=$(mktemp -d)
  trap '"${SUDO[@]}" rm -rf "$tmp"' EXIT
  echo "deb-src $mirror trixie main" >"$tmp/sources.list"
  mkdir -p "$tmp/lists/partial"
  apt_opts=(-o "Dir::Etc::sourcelist=$tmp/sources.list" -o Dir::Etc::sourceparts=-
            -o "Dir::State::Lists=$tmp/lists"
            -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
            -o APT::Sandbox::User=root)
  "${SUDO[@]}" apt-get "${apt_opts[@]}" update -qq
  (cd "$tmp" && "${SUDO[@]}" apt-get "${apt_opts[@]}" source --download-only -qq pgvector >/dev/null)

  mkdir "$tmp/src"
  orig=("$tmp"/pgvector_*.orig.tar.*)
  tar -xf "${orig[0]}" -C "$tmp/src" --strip-components=1
  version=${orig[0]##*/pgvector_}
  log "building pgvector ${version%%.orig.tar.*}"
  # OPTFLAGS= drops pgvector's default -march=native (portable build);
  # with_llvm=no skips JIT bitcode, which the tests don't need.
  make_opts=(PG_CONFIG="$PG_BIN/pg_config" OPTFLAGS= with_llvm=no)
  make -C "$tmp/src" -s -j"$(nproc)" "${make_opts[@]}" >/dev/null
  "${SUDO[@]}" make -C "$tmp/src" -s "${make_opts[@]}" install >/dev/null
  log "pgvector installed in $((SECONDS - start))s"
fi
