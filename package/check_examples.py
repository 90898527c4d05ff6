#!/usr/bin/python3
"""Test: the CI examples (examples/ci/) name only what exists.

No runner or container engine runs here, so the examples are checked, not
run: the two YAML files parse and have the shape their CI reads; every shell
script in them and in the Dockerfile passes `sh -n`; every repository path
they name (ci/..., examples/...) exists, and ci/ scripts are executable;
every option given to timock, timgroups, timsig or timconform is in that
program's --help; every TIM_ variable is one a program's --help names;
every admin call (/__admin/NAME) is a route of mock/control/admin.c; every
artifact is a file a script writes; the package they install is the one
ci/package makes; the Dockerfile's base is Debian 12 and its command is
`timock --listen 0.0.0.0:8080` with --admin-token.

Usage: check_examples.py SOURCE_DIR VERSION NAME=PROGRAM...
"""

import fnmatch
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:
    sys.exit("check_examples: python3-yaml is missing (ci/install installs it)")

PROGRAMS = ("timock", "timgroups", "timsig", "timconform")
# a program at the start of a word (perhaps with a folder), then a space
PROGRAM_RE = re.compile(r"(?:^|(?<=[\s;&|(`\"']))(?:[\w./-]*/)?(%s)(?=\s|$)"
                        % "|".join(PROGRAMS))
OPTION_RE = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
PATH_RE = re.compile(r"(?<![\w./$-])((?:ci|examples)/[\w.-]+(?:/[\w.-]+)*)")
VAR_RE = re.compile(r"\bTIM_[A-Z_]+\b")
ADMIN_RE = re.compile(r"/__admin/(\w+)")

errors = []


def fail(where, what):
    errors.append("%s: %s" % (where, what))


def joined_lines(text):
    """The text's lines, a line ending in a backslash joined to the next."""
    return text.replace("\\\n", " ").splitlines()


def check_names(where, text, src, helps, deb):
    """Every repository path, program option, variable, admin call and
    package path in text exists."""
    for path in sorted(set(PATH_RE.findall(text))):
        full = os.path.join(src, path)
        if not os.path.exists(full):
            fail(where, "names %s, which the repository lacks" % path)
        elif path.startswith("ci/") and not os.access(full, os.X_OK):
            fail(where, "names %s, which is not executable" % path)
    for line in joined_lines(text):
        for m in PROGRAM_RE.finditer(line):
            # the program's own words: up to the end of its command
            rest = re.split(r"[;&|)]|\$\(", line[m.end():])[0]
            for opt in OPTION_RE.findall(rest):
                if opt not in helps[m.group(1)]:
                    fail(where, "%s %s: not in %s --help"
                         % (m.group(1), opt, m.group(1)))
    all_help = "\n".join(helps.values())
    for var in sorted(set(VAR_RE.findall(text))):
        if var not in all_help:
            fail(where, "%s: no program's --help names it" % var)
    with open(os.path.join(src, "mock/control/admin.c")) as f:
        admin = f.read()
    for call in sorted(set(ADMIN_RE.findall(text))):
        if '"/%s"' % call not in admin:
            fail(where, "/__admin/%s: no such route in mock/control/admin.c"
                 % call)
    # a package in the repository's folders (not one inside an image)
    for pattern in re.findall(r"(?<![\w/.-])(?:\./)?([\w.-]+/\S*timock_\S*\.deb)",
                              text):
        if not fnmatch.fnmatch(deb, pattern.strip("\"'")):
            fail(where, "%s is not what ci/package makes (%s)"
                 % (pattern, deb))


def check_shell(where, script):
    r = subprocess.run(["sh", "-n"], input=script, text=True,
                       capture_output=True)
    if r.returncode != 0:
        fail(where, "sh -n: %s" % r.stderr.strip())


def check_artifacts(where, paths, scripts):
    for path in paths:
        if not re.search(r"(?<![\w.-])%s(?![\w.-])" % re.escape(path),
                         scripts):
            fail(where, "artifact %s: no script writes it" % path)


def load_yaml(where, path):
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        fail(where, "does not parse: %s" % e)
        return None
    if not isinstance(doc, dict):
        fail(where, "is not a mapping")
        return None
    return doc


def check_github(src, helps, deb):
    where = "examples/ci/github-actions.yml"
    path = os.path.join(src, where)
    doc = load_yaml(where, path)
    if doc is None:
        return
    # PyYAML reads the key `on` as True (YAML 1.1)
    if "on" not in doc and True not in doc:
        fail(where, "no `on:` trigger")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        fail(where, "no jobs")
        return
    scripts, artifacts = [], []
    for name, job in jobs.items():
        if not isinstance(job, dict) or "runs-on" not in job:
            fail(where, "job %s: no runs-on" % name)
            continue
        for i, step in enumerate(job.get("steps") or []):
            if not isinstance(step, dict) or not ("run" in step or
                                                  "uses" in step):
                fail(where, "job %s step %d: neither run nor uses" % (name, i))
                continue
            if "run" in step:
                check_shell("%s: job %s step %d" % (where, name, i),
                            step["run"])
                scripts.append(step["run"])
            if str(step.get("uses", "")).startswith("actions/upload-artifact"):
                with_ = step.get("with") or {}
                artifacts += str(with_.get("path", "")).split()
    if not artifacts:
        fail(where, "uploads no artifact")
    check_artifacts(where, artifacts, "\n".join(scripts))
    with open(path) as f:
        check_names(where, f.read(), src, helps, deb)


def check_gitlab(src, helps, deb):
    where = "examples/ci/gitlab-ci.yml"
    path = os.path.join(src, where)
    doc = load_yaml(where, path)
    if doc is None:
        return
    jobs = {k: v for k, v in doc.items()
            if isinstance(v, dict) and "script" in v}
    if not jobs:
        fail(where, "no job with a script")
    for name, job in jobs.items():
        lines = []
        for part in ("before_script", "script", "after_script"):
            value = job.get(part) or []
            if not isinstance(value, list) or not all(
                    isinstance(x, str) for x in value):
                fail(where, "job %s: %s is not a list of lines" % (name, part))
                continue
            lines += value
        script = "\n".join(lines)
        check_shell("%s: job %s" % (where, name), script)
        art = job.get("artifacts") or {}
        paths = list(art.get("paths") or [])
        junit = (art.get("reports") or {}).get("junit")
        if not junit:
            fail(where, "job %s: no JUnit report" % name)
        else:
            paths += junit if isinstance(junit, list) else [junit]
        check_artifacts("%s: job %s" % (where, name), paths, script)
    with open(path) as f:
        check_names(where, f.read(), src, helps, deb)


def check_dockerfile(src, helps, deb):
    where = "examples/ci/Dockerfile"
    with open(os.path.join(src, where)) as f:
        text = f.read()
    code = "\n".join(line for line in text.splitlines()
                     if not line.lstrip().startswith("#"))
    instructions = [line.split(None, 1) for line in joined_lines(code)
                    if line.strip()]
    base = [i[1].strip() for i in instructions if i[0] == "FROM"]
    if base != ["debian:12"]:
        fail(where, "the base is %s, not debian:12" % base)
    cmd = [i[1] for i in instructions if i[0] == "CMD"]
    if len(cmd) != 1 or not re.search(r"\btimock --listen 0\.0\.0\.0:8080\b",
                                      cmd[0]) or "--admin-token" not in cmd[0]:
        fail(where, "CMD is not timock --listen 0.0.0.0:8080 ... "
             "--admin-token: %s" % cmd)
    for kind, rest in instructions:
        if kind in ("RUN", "CMD") and not rest.lstrip().startswith("["):
            check_shell("%s: %s" % (where, kind), rest)
        if kind == "COPY":
            for source in rest.split()[:-1]:
                if not (fnmatch.fnmatch(deb, source) or
                        os.path.exists(os.path.join(src, source))):
                    fail(where, "COPY %s: neither in the repository nor "
                         "what ci/package makes" % source)
    check_names(where, text, src, helps, deb)


def main():
    if len(sys.argv) != 3 + len(PROGRAMS):
        sys.exit(__doc__.split("\n\n")[-1].strip())
    src, version = sys.argv[1], sys.argv[2]
    helps = {}
    for arg in sys.argv[3:]:
        name, _, program = arg.partition("=")
        r = subprocess.run([program, "--help"], capture_output=True,
                           text=True)
        if r.returncode != 0 or name not in PROGRAMS:
            sys.exit("check_examples: %s --help failed" % program)
        helps[name] = r.stdout
    # what ci/package prints: its folder, then the package cpack names
    with open(os.path.join(src, "ci/package")) as f:
        m = re.search(r"^dir=\$\{1:-([\w.-]+)\}$", f.read(), re.M)
    if not m:
        sys.exit("check_examples: ci/package names no default folder")
    deb = "%s/timock_%s_amd64.deb" % (m.group(1), version)
    check_github(src, helps, deb)
    check_gitlab(src, helps, deb)
    check_dockerfile(src, helps, deb)
    for e in errors:
        print("check_examples: " + e, file=sys.stderr)
    if errors:
        sys.exit(1)
    print("check_examples: the YAML parses; every command, option, path and "
          "artifact named exists")


if __name__ == "__main__":
    main()
