#!/usr/bin/env bash
# Build and run tests/bench/bench_log.c without the Makefile: it needs only
# build/libxfed.a (make builds it) and the same packages as the rest.
#
#	tests/bench/run-bench.sh [bench_log options]	e.g. -n 100000
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ -f build/libxfed.a ] || make -s build/libxfed.a
cc=${CC:-cc}
pkgs=(ldns libconfuse jansson libsystemd libcrypto)
read -ra cflags <<<"$(pkg-config --cflags "${pkgs[@]}")"
read -ra libs <<<"$(pkg-config --libs "${pkgs[@]}")"
"$cc" -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	-Wmissing-prototypes -Wstrict-prototypes -pthread -Iinclude \
	"${cflags[@]}" -o build/bench_log tests/bench/bench_log.c \
	build/libxfed.a "${libs[@]}" -pthread
exec build/bench_log "$@"
