# shellcheck shell=bash
# Sourced by scripts/run-local, scripts/test, scripts/bench, scripts/chaos and .ci/run:
# installs what a fresh Debian 12 machine of the kind the README names lacks, and only what
# it lacks, so that the README's two commands are the whole set-up.
#
#   - Debian packages (as root, through apt): Java 17 for Kafka, Maven (fetches the Kafka
#     jars from Maven Central), the PostgreSQL server binaries, the CJK font the ledger
#     embeds in yearly statement PDFs, pip when uv must be installed;
#   - uv at the version pinned below, with pip (uv.lock is the one lock file; uv installs
#     every Python dependency from it).
#
# Not root and something missing: stops with the exact apt-get line to run.

HOURBANK_UV_VERSION=0.9.30
HOURBANK_STATEMENT_FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc

_hb_java_major() {
  local v
  command -v java >/dev/null 2>&1 || return 0
  v=$(java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
  case $v in 1.*) v=${v#1.} ;; esac
  printf '%s\n' "${v%%[.+_-]*}"
}

_hb_java_ok() { local m; m=$(_hb_java_major); [[ $m =~ ^[0-9]+$ ]] && ((m >= 17)); }
_hb_pg_present() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
_hb_uv_version() { uv --version 2>/dev/null | awk '{print $2}'; }

_hb_prefer_jdk17() {
  # An older java may come first on PATH; prefer an installed JDK 17.
  local d
  for d in /usr/lib/jvm/java-17-openjdk-*/bin; do [[ -x $d/java ]] && PATH="$d:$PATH"; done
  export PATH
  hash -r
}

hourbank_ensure_prerequisites() {
  local missing=()
  _hb_java_ok || _hb_prefer_jdk17
  _hb_java_ok || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  _hb_pg_present || missing+=(postgresql)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  [[ -f $HOURBANK_STATEMENT_FONT ]] || missing+=(fonts-wqy-microhei)
  if [[ "$(_hb_uv_version || true)" != "$HOURBANK_UV_VERSION" ]] \
    && ! python3 -m pip --version >/dev/null 2>&1; then
    missing+=(python3-pip)
  fi
  if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
      echo "error: missing ${missing[*]}: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
      return 1
    fi
    echo "== installing ${missing[*]} (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "${missing[@]}" </dev/null >/dev/null
    hash -r
    _hb_java_ok || _hb_prefer_jdk17
    _hb_java_ok || { echo "error: Java 17+ is still not the java on PATH" >&2; return 1; }
  fi

  if [[ "$(_hb_uv_version || true)" != "$HOURBANK_UV_VERSION" ]]; then
    echo "== installing uv==$HOURBANK_UV_VERSION (pip)"
    # Debian's python3 is "externally managed" (PEP 668); uv is a single self-contained
    # binary that touches nothing else, so installing it beside the system packages is safe.
    PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 \
      python3 -m pip install --quiet "uv==$HOURBANK_UV_VERSION" </dev/null
    hash -r
    if [[ "$(_hb_uv_version || true)" != "$HOURBANK_UV_VERSION" ]]; then
      local scripts_dir
      scripts_dir=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
      PATH="$scripts_dir:$PATH"
      export PATH
      hash -r
    fi
    [[ "$(_hb_uv_version || true)" == "$HOURBANK_UV_VERSION" ]] || {
      echo "error: uv $HOURBANK_UV_VERSION is not on PATH after installing it (found: $(_hb_uv_version || echo none))" >&2
      return 1
    }
  fi
}
