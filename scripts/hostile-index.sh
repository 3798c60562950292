#!/usr/bin/env bash
# Hostile-input figures for the engram index (BENCHMARKS.md, "Hostile input: files and indexes"):
#   1. corrupted databases: each case is a corrupted copy of a real index, given to `engram status`, `search` and
#      `index`; a case passes when all three exit 1, print the file and the fix, print no stack trace, and leave the
#      file's bytes unchanged;
#   2. SIGKILL runs: `engram index` killed at staggered moments of a build; after each kill the index must pass
#      `PRAGMA integrity_check` and `engram status`, and the resumed build must equal a clean one.
# Usage: scripts/hostile-index.sh [ENGRAM...]   (default: dotnet artifacts/bin/Engram.Cli/release/engram.dll)
# Needs: bash, coreutils, sqlite3 (only to find a table's root page and to run integrity_check).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then ENGRAM=("$@"); else ENGRAM=(dotnet artifacts/bin/Engram.Cli/release/engram.dll); fi
KILLS=${KILLS:-14}
WORK=$(mktemp -d /tmp/engram-hostile-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

engram() { "${ENGRAM[@]}" "$@"; }

# A workspace of 300 C# files in a git repository (lexical index: no model needed).
WS="$WORK/ws"
mkdir -p "$WS"
for i in $(seq 0 299); do
  d="$WS/src/Module$((i % 30))"
  mkdir -p "$d"
  cat > "$d/Service$i.cs" <<EOF
namespace Demo.Module$((i % 30));

/// <summary>Service $i computes values for module $((i % 30)).</summary>
public sealed class Service$i
{
    /// <summary>Returns the square of $i plus the argument.</summary>
    public int Square(int x) => $i * $i + x;

    /// <summary>Describes service $i with a prefix and enough text to fill pages: $((i * 7)) $((i * 13)).</summary>
    public string Describe(string prefix) => prefix + ": service $i";
}
EOF
done
git -C "$WS" init -q && git -C "$WS" add -A && git -C "$WS" -c user.email=t@example.invalid -c user.name=t commit -qm fixture

engram index "$WS" --index-dir "$WORK/healthy" --no-embeddings --json > /dev/null || { echo "healthy build failed"; exit 1; }
HEALTHY="$WORK/healthy/engram.db"
SIZE=$(stat -c %s "$HEALTHY")
PAGES=$((SIZE / 4096))
FILES_ROOT=$(sqlite3 "file:$HEALTHY?mode=ro" "SELECT rootpage FROM sqlite_master WHERE name = 'files'")
echo "healthy index: $SIZE bytes, $PAGES pages"

corrupt() { # case database
  local db=$2
  case "$1" in
    garbage-64k-middle) dd if=/dev/urandom of="$db" bs=1024 seek=$(((SIZE / 2 - 32768) / 1024)) count=64 conv=notrunc status=none ;;
    zero-length) : > "$db" ;;
    truncated-half-pages) truncate -s $((PAGES / 2 * 4096)) "$db" ;;
    truncated-inside-page) truncate -s $((SIZE - 1000)) "$db" ;;
    garbage-header) dd if=/dev/urandom of="$db" bs=100 count=1 conv=notrunc status=none ;;
    bad-magic) printf 's' | dd of="$db" bs=1 count=1 conv=notrunc status=none ;;
    bad-page-size) printf '\x12\x34' | dd of="$db" bs=1 seek=16 conv=notrunc status=none ;;
    zeroed-files-root-page) dd if=/dev/zero of="$db" bs=4096 seek=$((FILES_ROOT - 1)) count=1 conv=notrunc status=none ;;
    garbage-schema-page) dd if=/dev/urandom of="$db" bs=1 seek=100 count=3996 conv=notrunc status=none ;;
    header-only) truncate -s 100 "$db" ;;
    random-bytes) head -c 8192 /dev/urandom > "$db" ;;
    text-file) echo "this is not a database" > "$db" ;;
  esac
}

CASES=(garbage-64k-middle zero-length truncated-half-pages truncated-inside-page garbage-header bad-magic bad-page-size
       zeroed-files-root-page garbage-schema-page header-only random-bytes text-file)
refused=0; total=0
printf '\n%-24s %-8s %-8s %-8s %-10s %-6s\n' case status search index untouched traces
for c in "${CASES[@]}"; do
  dir="$WORK/case-$c"; mkdir -p "$dir"; cp "$HEALTHY" "$dir/engram.db"; corrupt "$c" "$dir/engram.db"
  before=$(sha256sum < "$dir/engram.db")
  codes=(); traces=0; named=1
  for cmd in status search index; do
    case $cmd in
      status) args=(status "$WS" --index-dir "$dir") ;;
      search) args=(search --path "$WS" --index-dir "$dir" --no-embeddings "service square") ;;
      index) args=(index "$WS" --index-dir "$dir" --no-embeddings) ;;
    esac
    engram "${args[@]}" > "$dir/$cmd.out" 2> "$dir/$cmd.err"
    codes+=($?)
    grep -q '   at ' "$dir/$cmd.err" && traces=$((traces + 1))
    grep -qF "$dir/engram.db" "$dir/$cmd.err" || named=0
  done
  after=$(sha256sum < "$dir/engram.db")
  untouched=$([ "$before" = "$after" ] && echo yes || echo NO)
  printf '%-24s %-8s %-8s %-8s %-10s %-6s\n' "$c" "${codes[0]}" "${codes[1]}" "${codes[2]}" "$untouched" "$traces"
  total=$((total + 1))
  if [ "${codes[*]}" = "1 1 1" ] && [ "$untouched" = yes ] && [ $traces -eq 0 ] && [ $named -eq 1 ]; then refused=$((refused + 1)); fi
done
echo "corrupted databases: $refused of $total refused by status, search and index (exit 1, file named, no stack trace, bytes unchanged)"

# SIGKILL runs: kill k of N lands k/(N+1) of the way through a fresh build (batches of 4 files, timed first); then
# integrity and status are checked.
start=$(date +%s%N)
engram index "$WS" --index-dir "$WORK/timed" --no-embeddings --batch-files 4 > /dev/null
build_ms=$((($(date +%s%N) - start) / 1000000))
echo "a full build with --batch-files 4 takes $build_ms ms"
corrupted=0; consistent=0; at=()
for k in $(seq 1 "$KILLS"); do
  dir="$WORK/kill-$k"
  # exec: the background job's pid is the engram process itself, so SIGKILL reaches it.
  ( exec "${ENGRAM[@]}" index "$WS" --index-dir "$dir" --no-embeddings --batch-files 4 > /dev/null 2>&1 ) &
  pid=$!
  sleep "$(awk "BEGIN { print $build_ms * $k / ($KILLS + 1) / 1000 }")"
  kill -9 "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
  if [ -f "$dir/engram.db" ]; then
    check=$(sqlite3 "file:$dir/engram.db?mode=ro" "PRAGMA integrity_check" 2>&1)
    committed=$(sqlite3 "file:$dir/engram.db?mode=ro" "SELECT count(*) FROM files" 2>&1)
    if [ "$check" = "ok" ] && engram status "$WS" --index-dir "$dir" > /dev/null 2>&1; then consistent=$((consistent + 1)); else corrupted=$((corrupted + 1)); echo "kill $k: $check"; fi
  else
    committed="no database yet"
    consistent=$((consistent + 1)) # killed before the database was renamed into place: nothing to corrupt
  fi
  at+=("$committed")
done
# Resume the last one and compare with a clean build, chunk for chunk (search results over every module).
engram index "$WS" --index-dir "$WORK/kill-$KILLS" --no-embeddings > /dev/null
engram index "$WS" --index-dir "$WORK/clean" --no-embeddings > /dev/null
same=yes
for q in "square of" "describes service" "module 7" "Service 42"; do
  a=$(engram search --path "$WS" --index-dir "$WORK/kill-$KILLS" --no-embeddings --json -n 20 "$q")
  b=$(engram search --path "$WS" --index-dir "$WORK/clean" --no-embeddings --json -n 20 "$q")
  [ "$a" = "$b" ] || same=no
done
echo "files committed at each kill (of 300): ${at[*]}"
echo "SIGKILL runs: $KILLS kills, $corrupted corrupted indexes, $consistent consistent; resumed build equals a clean one: $same"
