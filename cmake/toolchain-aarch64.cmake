# toolchain-aarch64.cmake - cross-compile Crier for 64-bit Raspberry Pi OS (Bookworm).
#
# Uses Debian's cross toolchain (crossbuild-essential-arm64) and the arm64 -dev
# packages installed through multiarch (dpkg --add-architecture arm64), so the
# libraries we link against are the same Bookworm versions the Pi runs.
# scripts/cross-build.sh installs all of that and then runs:
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
#
# When qemu-aarch64(-static) is installed it becomes the cross-compiling
# emulator, so `ctest` in build-arm64 runs the arm64 test binaries under qemu.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CRIER_CROSS_TRIPLET aarch64-linux-gnu)
set(CMAKE_LIBRARY_ARCHITECTURE ${CRIER_CROSS_TRIPLET})

set(CMAKE_C_COMPILER ${CRIER_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${CRIER_CROSS_TRIPLET}-g++)

# Headers and libraries: multiarch places arm64 libraries in
# /usr/lib/aarch64-linux-gnu and shares /usr/include; the toolchain's own
# sysroot bits live in /usr/aarch64-linux-gnu.  Search those only, and run
# programs (pkg-config, etc.) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${CRIER_CROSS_TRIPLET} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must only see the arm64 .pc files (plus arch-independent ones).
# CRIER_CROSS_EXTRA_PREFIX: a private prefix with -dev packages that cannot
# be installed for two architectures at once (see scripts/cross-build.sh).
# The toolchain file is read again for every try_compile, without our cache
# variables, so the value is also kept in the environment of this process.
set(CRIER_CROSS_EXTRA_PREFIX "" CACHE PATH "Extra arm64 prefix with unpacked -dev packages")
if(CRIER_CROSS_EXTRA_PREFIX)
  set(ENV{CRIER_CROSS_EXTRA_PREFIX} "${CRIER_CROSS_EXTRA_PREFIX}")
elseif(DEFINED ENV{CRIER_CROSS_EXTRA_PREFIX})
  set(CRIER_CROSS_EXTRA_PREFIX "$ENV{CRIER_CROSS_EXTRA_PREFIX}")
endif()
set(crier_pc_dirs "/usr/lib/${CRIER_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
if(CRIER_CROSS_EXTRA_PREFIX)
  set(crier_pc_dirs "${CRIER_CROSS_EXTRA_PREFIX}/lib/${CRIER_CROSS_TRIPLET}/pkgconfig:${crier_pc_dirs}")
endif()
set(ENV{PKG_CONFIG_LIBDIR} "${crier_pc_dirs}")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# Package architecture for CPack (cmake/packaging.cmake reads it).
set(CRIER_DEB_ARCH arm64 CACHE STRING "Debian architecture of the packages built")

find_program(CRIER_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(CRIER_QEMU_AARCH64)
  # The dynamic loader and libc must come from the SAME glibc build.  With
  # multiarch libc6:arm64 installed (cross-build.sh installs it with the arm64
  # -dev packages) the right prefix is "/": "-L /usr/aarch64-linux-gnu" made
  # qemu load that folder's ld-linux-aarch64.so.1 (libc6-arm64-cross, e.g.
  # 2.36-8cross1) but /lib/aarch64-linux-gnu/libc.so.6 from libc6:arm64
  # (2.36-9+deb12u14), which has no copy in that prefix: the two disagree on
  # the loader's private data, and the first pthread_create() spun forever
  # walking the stack cache list (every threaded test "hung" under qemu).
  # The toolchain prefix stays for a toolchain-only install without libc6:arm64.
  if(EXISTS /lib/ld-linux-aarch64.so.1 AND EXISTS /lib/${CRIER_CROSS_TRIPLET}/libc.so.6)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${CRIER_QEMU_AARCH64} -L /)
  else()
    set(CMAKE_CROSSCOMPILING_EMULATOR ${CRIER_QEMU_AARCH64} -L /usr/${CRIER_CROSS_TRIPLET})
  endif()
endif()
