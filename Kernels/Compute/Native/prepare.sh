#!/usr/bin/env bash
# Prepares the native libraries TorchSharp loads at run time in one folder (default .native/linux-x64):
# links to libtorch from the NuGet cache, a copy of libLibTorchSharp.so and, only where the system
# libstdc++ predates GCC 13 (no GLIBCXX_3.4.32), the compatibility fix described in README.md:
# the copy's GLIBCXX_3.4.32 requirement marked weak plus a no-op shim for the one missing symbol.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-.native/linux-x64}
torchsharp_version=${TORCHSHARP_VERSION:-0.107.0}
libtorch_version=${LIBTORCH_VERSION:-2.10.0}

# LIBTORCH_NATIVE_DIR and TORCHSHARP_NATIVE_DIR name the packages' native folders (the build passes them, found in
# any NuGet package folder); by default they are in the global packages folder.
if [ -z "${LIBTORCH_NATIVE_DIR:-}" ] || [ -z "${TORCHSHARP_NATIVE_DIR:-}" ]; then
    packages=${NUGET_PACKAGES:-$(dotnet nuget locals global-packages --list | sed -e 's/^global-packages: *//' -e 's:/*$::')}
fi
libtorch_dir=${LIBTORCH_NATIVE_DIR:-$packages/libtorch-cpu-linux-x64/$libtorch_version/runtimes/linux-x64/native}
torchsharp_so=${TORCHSHARP_NATIVE_DIR:-$packages/torchsharp/$torchsharp_version/runtimes/linux-x64/native}/libLibTorchSharp.so
for p in "$libtorch_dir/libtorch_cpu.so" "$torchsharp_so"; do
    [ -f "$p" ] || { echo "prepare.sh: $p not found; run 'dotnet restore' first" >&2; exit 1; }
done
libtorch_dir=$(cd "$libtorch_dir" && pwd)

mkdir -p "$out"
rm -f "$out"/*.so "$out"/*.so.*
for f in "$libtorch_dir"/libtorch.so "$libtorch_dir"/libtorch_cpu.so "$libtorch_dir"/libc10.so \
         "$libtorch_dir"/libtorch_global_deps.so "$libtorch_dir"/libgomp-*.so.1; do
    ln -s "$f" "$out/$(basename "$f")"
done
cp "$torchsharp_so" "$out/libLibTorchSharp.so"
chmod u+w "$out/libLibTorchSharp.so"

# LIBSTDCXX names the library to inspect instead of the system's (tests use it to take both branches).
libstdcxx=${LIBSTDCXX:-$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p) | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {print $NF; found = 1}')}
if [ -n "$libstdcxx" ] && grep -qa 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
    echo "native: $libstdcxx provides GLIBCXX_3.4.32; libLibTorchSharp.so used unchanged"
    exit 0
fi

echo "native: ${libstdcxx:-libstdc++} lacks GLIBCXX_3.4.32; applying the compatibility fix"
if ! command -v cc >/dev/null 2>&1; then
    echo "native: no C compiler; installing gcc" >&2
    (apt-get update -qq && apt-get install -y -qq gcc libc6-dev) >&2
fi
cc -O2 -Wall -Wextra -o "$out/elf_weaken_version" "$here/elf_weaken_version.c"
"$out/elf_weaken_version" "$out/libLibTorchSharp.so" GLIBCXX_3.4.32
cc -O2 -Wall -shared -fPIC -o "$out/libglibcxx_shim.so" "$here/glibcxx_shim.c"
rm -f "$out/elf_weaken_version"
