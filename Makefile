# Dataflow build entry points. Every target works on a fresh clone with only the .NET SDK installed.
CONFIG ?= Release
NATIVE_DIR := .native/linux-x64
PACKAGES_DIR ?= artifacts/packages
DOTNET ?= dotnet
SHELL := /bin/bash
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: all build restore native pack run test test-heavy bench clean

all: build

restore:
	$(DOTNET) restore Dataflow.sln

# Native libraries for TorchSharp, gathered once in $(NATIVE_DIR) (not copied into every output folder). Kernels'
# build does it too (Kernels/Compute/Native/Dataflow.Native.targets) and records the folder for every project that
# references it; this target runs that step alone.
native: restore
	$(DOTNET) msbuild Kernels/Kernels.csproj -t:DataflowPrepareNative -p:Configuration=$(CONFIG) -v:q -nologo

build: restore
	$(DOTNET) build Dataflow.sln -c $(CONFIG) --no-restore -v q -nologo
	@sed 's/@CONFIG@/$(CONFIG)/g' Host/dataflow.in > dataflow
	@chmod +x dataflow
	@echo "built ./dataflow"

# NuGet packages of the job DSL in $(PACKAGES_DIR): Dataflow, Dataflow.Actors and Dataflow.Kernels, whose
# buildTransitive targets prepare the native libraries in the build of the project that uses them.
# Use: dotnet add package Dataflow --source $(PACKAGES_DIR). PACKAGE_VERSION=x.y.z overrides the version.
pack: build
	$(DOTNET) pack Dataflow.sln -c $(CONFIG) --no-build -o $(PACKAGES_DIR) -v q -nologo $(if $(PACKAGE_VERSION),-p:PackageVersion=$(PACKAGE_VERSION))
	@ls $(PACKAGES_DIR)/*.nupkg

run: build
	./dataflow run nqs --fcidump h2o

# The log is kept in TestResults/test.log; when a test fails, its name and message are printed again at the end.
test: build
	@mkdir -p TestResults
	@set -o pipefail; $(DOTNET) test Tests/Tests.csproj -c $(CONFIG) --no-build --filter "Category!=Heavy" \
		--logger "console;verbosity=normal" 2>&1 | tee TestResults/test.log || { \
		echo "== failed tests (full log: TestResults/test.log) =="; \
		awk -f Tests/failures.awk TestResults/test.log | head -400; exit 1; }

# The heavy tests, not in `make test` (their time: README, top): the 32,000-atom LJ melt and its benchmark against LAMMPS, the
# 10,000-step NVE of a molten salt, H2O in the single-process VMC loop, `run nqs` with its defaults on LiH and N2, two
# LAMMPS scripts against lmp, sft's weights on three hosts with one killed, and the others the README lists.
test-heavy: build
	DATAFLOW_HEAVY_TESTS=1 $(DOTNET) test Tests/Tests.csproj -c $(CONFIG) --no-build --filter "Category=Heavy" --logger "console;verbosity=normal"

bench: build
	./dataflow bench

clean:
	$(DOTNET) clean Dataflow.sln -v q
	rm -rf $(NATIVE_DIR) dataflow $(PACKAGES_DIR)
