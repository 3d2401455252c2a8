//! Embeds the source revision (`git rev-parse --short HEAD`) as
//! `CUEBENCH_REVISION`, or `unknown` when git or the repository is absent
//! (a crates.io tarball). Results record it (docs/results.md); `--version`
//! may print it too.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_owned())
}

fn main() {
    let revision = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CUEBENCH_REVISION={revision}");
    // Rerun when HEAD moves (a commit or checkout); in a worktree the git
    // folder is not `.git`, so ask git where it is.
    let watched: Vec<String> = git(&["rev-parse", "--git-dir"])
        .map(|dir| vec![format!("{dir}/HEAD"), format!("{dir}/logs/HEAD")])
        .unwrap_or_default()
        .into_iter()
        .filter(|p| Path::new(p).exists())
        .collect();
    println!("cargo:rerun-if-changed=build.rs");
    for path in watched {
        println!("cargo:rerun-if-changed={path}");
    }
}
