{
  "targets": [
    {
      "target_name": "tsrunc",
      "sources": ["addon/binding.cc", "addon/spawn.cc", "addon/clonevm.c", "addon/sync.cc", "addon/fifo.cc", "addon/foreground.cc", "addon/process.cc", "addon/idmap.cc", "addon/listener.cc", "addon/child.c", "addon/scm.c", "addon/seccomp.cc", "addon/netdev.cc", "addon/bpf.cc", "addon/features.cc", "addon/fileio.cc", "addon/unixstream.cc"],
      "libraries": ["-lseccomp"],
      "ldflags": ["-static-libstdc++", "-static-libgcc", "-Wl,--exclude-libs,ALL", "-Wl,--version-script=<(module_root_dir)/addon/exports.map"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter", "-fno-strict-aliasing", "-fvisibility=hidden"],
      "cflags_c": ["-std=gnu11"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions"]
    },
    {
      "target_name": "tsrunc-init",
      "type": "none",
      "actions": [{
        "action_name": "tsrunc-init",
        "inputs": ["scripts/build-init.sh", "addon/init.c", "addon/child.c", "addon/scm.c", "addon/child.h", "addon/scm.h", "addon/plan.h", "addon/fail.h"],
        "outputs": ["<(PRODUCT_DIR)/tsrunc-init"],
        "action": ["sh", "scripts/build-init.sh", "<(PRODUCT_DIR)/tsrunc-init"]
      }]
    }
  ]
}
