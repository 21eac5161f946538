// The longer help of each command: what urfave/cli prints between USAGE and OPTIONS (runc's ArgsUsage
// and Description, worded after runc's own help and man pages, reference/runc-cli/man). Only help.ts
// imports it, so the text costs nothing on the hot path. Lines are broken by hand, as in runc: help is
// never wrapped, so no word is ever split.
export const PROGRAM = `tsrunc is a command line client for running applications packaged according to
the Open Container Initiative (OCI) format and is a compliant implementation of the
Open Container Initiative specification, with runc's command line.

Containers are configured using bundles. A bundle for a container is a directory
that includes a specification file named "config.json" and a root filesystem.
The root filesystem contains the contents of the container.

To start a new instance of a container:

    # tsrunc run [ -b bundle ] <container-id>

Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host. Providing the bundle directory using "-b" is optional. The default
value for "bundle" is the current directory.`;

const starting = `Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host.`;

const bundleDescription = (verb: string) => `DESCRIPTION:
   The ${verb} command creates an instance of a container for a bundle. The bundle
is a directory with a specification file named "config.json" and a root
filesystem.

The specification file includes an args parameter. The args parameter is used
to specify command(s) that get run when the container is started. To change the
command(s) that get executed on start, edit the args parameter of the spec. See
"tsrunc spec --help" for more explanation.`;

export const DETAILS: Record<string, string> = {
  checkpoint: `Where "<container-id>" is the name for the instance of the container to be
checkpointed.

DESCRIPTION:
   The checkpoint command saves the state of the container instance (with CRIU).`,
  restore: `Where "<container-id>" is the name for the instance of the container to be
restored.

DESCRIPTION:
   Restores the saved state of the container instance (with CRIU).`,
  create: `${starting}\n\n${bundleDescription('create')}`,
  run: `${starting}\n\n${bundleDescription('run')}`,
  start: `Where "<container-id>" is your name for the instance of the container that you
are starting.

DESCRIPTION:
   The start command executes the user defined process in a created container.`,
  exec: `Where "<container-id>" is the name for the instance of the container and
"<command>" is the command to be executed in the container.
"<command>" can't be empty unless a "-p" flag provided.

EXAMPLE:
For example, if the container is configured to run the linux ps command the
following will output a list of processes running in the container:

       # tsrunc exec <container-id> ps`,
  state: `Where "<container-id>" is your name for the instance of the container.

DESCRIPTION:
   The state command outputs current state information for the
instance of a container.`,
  kill: `Where "<container-id>" is the name for the instance of the container and
"[signal]" is the signal to be sent to the init process.

EXAMPLE:
For example, if the container id is "ubuntu01" the following will send a "KILL"
signal to the init process of the "ubuntu01" container:

       # tsrunc kill ubuntu01 KILL`,
  pause: `Where "<container-id>" is the name for the instance of the container to be
paused.

DESCRIPTION:
   The pause command suspends all processes in the instance of the container.`,
  resume: `Where "<container-id>" is the name for the instance of the container to be
resumed.

DESCRIPTION:
   The resume command resumes all processes in the instance of the container.`,
  update: `Where "<container-id>" is the name for the instance of the container.

The accepted format of --resources is a LinuxResources object of the OCI
runtime specification (config-linux.md), for example:

{
  "memory": { "limit": 0, "reservation": 0, "swap": 0 },
  "cpu": { "shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0,
           "realtimePeriod": 0, "cpus": "", "mems": "" },
  "blockIO": { "weight": 0 }
}

Note: if data is to be read from a file or the standard input, all
other options are ignored.`,
  events: `Where "<container-id>" is the name for the instance of the container.

DESCRIPTION:
   The events command displays information about the container. By default the
information is displayed once every 5 seconds.`,
  ps: `Where "<container-id>" is the name for the instance of the container and
"[ps options]" are options passed to ps(1) with the table format.`,
  delete: `Where "<container-id>" is the name for the instance of the container.

EXAMPLE:
For example, if the container id is "ubuntu01" and tsrunc list currently shows
the status of "ubuntu01" as "stopped" the following will delete resources held
for "ubuntu01" removing "ubuntu01" from the tsrunc list of containers:

       # tsrunc delete ubuntu01`,
  list: `Where the given root is specified via the global option "--root"
(default: "/run/tsrunc").

EXAMPLE 1:
To list containers created via the default "--root":
       # tsrunc list

EXAMPLE 2:
To list containers created using a non-default value for "--root":
       # tsrunc --root value list`,
  features: `DESCRIPTION:
   Show the enabled features, computed for this build and host.
   The result is parsable as a JSON (the runtime-spec's features.md).`,
  spec: `DESCRIPTION:
   The spec command creates the new specification file named "config.json" for
the bundle; it is the same template as "runc spec" writes.

The spec generated is just a starter file. Editing of the spec is required to
achieve desired results. For example, the newly generated spec includes an args
parameter that is initially set to call the "sh" command when the container is
started.

EXAMPLE:
    mkdir -p mybundle/rootfs && cd mybundle
    (fill rootfs with a root filesystem, e.g. exported from an image)
    tsrunc spec
    sed -i 's;"sh";"/hello";' config.json
    tsrunc run container1`,
};
