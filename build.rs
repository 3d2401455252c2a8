//! Records the source revision (`git rev-parse --short HEAD`) as
//! `CUEBENCH_REVISION`, so `--version` and results can name the exact code
//! that produced a number. Outside a git checkout (a crates.io download, a
//! source tarball) the revision is `unknown`.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let revision = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CUEBENCH_REVISION={revision}");
    // Rebuild when HEAD moves: HEAD itself (a checkout), the branch it points
    // to (a commit) and packed refs. `--git-path` also works in worktrees.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        // A watched file that does not exist would rerun this script on
        // every build, so only existing ones are named.
        let path = git(&["rev-parse", "--git-path", &name]).map(PathBuf::from);
        if let Some(path) = path.filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// One line of git's output, or `None` when git is missing or fails.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let line = text.trim();
    (output.status.success() && !line.is_empty()).then(|| line.to_owned())
}
