//! Bad input never panics: every line-prefix of every file of the shipped project (which
//! cuts mappings, flow collections and quoted strings at every point) must load to either a
//! model or positioned diagnostics.

use std::fs;

#[test]
fn truncated_files_never_panic() {
    let src = crate::root().join("schema");
    let mut files: Vec<_> = fs::read_dir(src.join("tables"))
        .expect("read schema/tables")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.push(src.join("functions.yaml"));
    files.sort();
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("schemac.yaml"), "schemac: 1\n").expect("write config");
    let target = dir.path().join("defs.yaml");
    let mut runs = 0;
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        for n in 0..=lines.len() {
            let mut prefix = lines[..n].join("\n");
            // Also cut in the middle of the next line, where flow mappings and quotes open.
            for cut in [None, Some(lines.get(n).map_or(0, |l| l.len() / 2))] {
                if let Some(c) = cut {
                    if let Some(l) = lines.get(n) {
                        prefix = format!(
                            "{}\n{}",
                            lines[..n].join("\n"),
                            &l[..l.floor_char_boundary_compat(c)]
                        );
                    }
                }
                fs::write(&target, &prefix).expect("write");
                match schemac::check_project(dir.path(), "p") {
                    Ok(_) => {}
                    Err(fail) => {
                        assert!(!fail.diagnostics.is_empty(), "a failed load must say why");
                        for d in &fail.diagnostics {
                            assert!(
                                d.code == "SC005" || !d.labels.is_empty(),
                                "diagnostic without position for prefix of {}:\n{prefix}\n{d:?}",
                                f.display()
                            );
                        }
                    }
                }
                runs += 1;
            }
        }
    }
    assert!(runs > 100);
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while i > 0 && !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}
