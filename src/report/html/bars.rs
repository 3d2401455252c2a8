//! Bar charts across runs: every figure per task, and a task's headline
//! figure per group (`eval --by`).

use std::collections::BTreeMap;

use super::charts::{self, BarSeries};
use super::input::Run;
use super::{
    Shown, TaskKey, bar_of, cell_text, chart_figure, data_table, escape, figure, headline, members,
    tasks,
};
use crate::model::{Group, ResultEntry};

pub(super) fn task_charts(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"tasks\"><h2>Per task</h2>\n");
    for (key, entries) in tasks(runs) {
        let members = members(runs, &entries);
        let shown: Vec<Shown> = members.iter().map(|(s, _)| *s).collect();
        let mut names: Vec<String> = Vec::new();
        for m in members.iter().flat_map(|(_, e)| &e.result.metrics) {
            if !names.contains(&m.name) {
                names.push(m.name.clone());
            }
        }
        let series: Vec<BarSeries> = members
            .iter()
            .map(|((colour, _), e)| BarSeries {
                colour: *colour,
                bars: names.iter().map(|n| bar_of(figure(e, n))).collect(),
            })
            .collect();
        let values: Vec<Vec<Option<String>>> = members
            .iter()
            .map(|(_, e)| names.iter().map(|n| figure(e, n).map(cell_text)).collect())
            .collect();
        let title = key.title();
        out.push_str(&chart_figure(
            &format!("{title}: every figure, by run"),
            &format!(
                "Bar chart of the {title} figures ({}) of {} run(s), percent; the numbers follow in a table.",
                names.join(", "),
                shown.len()
            ),
            charts::bars(&names, &series, "percent"),
            &shown,
            &data_table(&names, &shown, &values),
        ));
    }
    out.push_str("</section>\n");
    out
}

pub(super) fn group_charts(runs: &[Run]) -> String {
    let mut out = String::from("<section id=\"groups\"><h2>Per group</h2>\n");
    let mut any = false;
    for (key, entries) in tasks(runs) {
        let members: Vec<(Shown, &ResultEntry)> = members(runs, &entries)
            .into_iter()
            .filter(|(_, e)| !e.groups.is_empty())
            .collect();
        let shown: Vec<Shown> = members.iter().map(|(s, _)| *s).collect();
        let mut bys: Vec<&str> = Vec::new();
        for g in members.iter().flat_map(|(_, e)| &e.groups) {
            if !bys.contains(&g.by.as_str()) {
                bys.push(&g.by);
            }
        }
        let Some(metric) = members
            .iter()
            .find_map(|(_, e)| headline(e))
            .map(|f| f.name.clone())
        else {
            continue;
        };
        for by in bys {
            any = true;
            out.push_str(&group_chart(&key, by, &metric, &members, &shown));
        }
    }
    if !any {
        out.push_str(
            "<p class=\"note\">No run holds per-group figures: score with <code>eval --by branch</code> \
             (or domain, effect, event, genre, camera_view).</p>",
        );
    } else {
        out.push_str("<p class=\"note\">* fewer than 10 samples: shown, but the figure is noisy. A sample whose triplets differ at a level counts in each of its groups.</p>");
    }
    out.push_str("</section>\n");
    out
}

/// A group's cell of the data table: its size (marked when small) and
/// every figure.
fn group_cell(g: &Group) -> String {
    let figures: Vec<String> = g
        .metrics
        .iter()
        .map(|m| format!("{} {}", escape(&m.name), cell_text(m)))
        .collect();
    let class = if g.small {
        " class=\"small-group\""
    } else {
        ""
    };
    format!(
        "<span{class}>n = {}</span><br>{}",
        g.samples,
        figures.join("<br>")
    )
}

/// One task's `metric` per group of `by`, a bar per run.
fn group_chart(
    key: &TaskKey,
    by: &str,
    metric: &str,
    members: &[(Shown<'_>, &ResultEntry)],
    shown: &[Shown<'_>],
) -> String {
    let mut groups: Vec<String> = Vec::new();
    let mut small: BTreeMap<String, bool> = BTreeMap::new();
    for g in members
        .iter()
        .flat_map(|(_, e)| &e.groups)
        .filter(|g| g.by == by)
    {
        if !groups.contains(&g.group) {
            groups.push(g.group.clone());
        }
        *small.entry(g.group.clone()).or_default() |= g.small;
    }
    let find = |e: &ResultEntry, group: &str| -> Option<Group> {
        e.groups
            .iter()
            .find(|g| g.by == by && g.group == group)
            .cloned()
    };
    let labels: Vec<String> = groups
        .iter()
        .map(|g| {
            if small[g] {
                format!("{g} *")
            } else {
                g.clone()
            }
        })
        .collect();
    let series: Vec<BarSeries> = members
        .iter()
        .map(|((colour, _), e)| BarSeries {
            colour: *colour,
            bars: groups
                .iter()
                .map(|g| {
                    bar_of(
                        find(e, g)
                            .as_ref()
                            .and_then(|g| g.metrics.iter().find(|m| m.name == metric)),
                    )
                })
                .collect(),
        })
        .collect();
    let values: Vec<Vec<Option<String>>> = members
        .iter()
        .map(|(_, e)| {
            groups
                .iter()
                .map(|g| find(e, g).map(|g| group_cell(&g)))
                .collect()
        })
        .collect();
    let title = key.title();
    chart_figure(
        &format!("{title}: {metric} by {by}"),
        &format!(
            "Bar chart of {title} {metric} per {by} group ({} groups) for {} run(s); groups marked * have fewer than 10 samples.",
            groups.len(),
            shown.len()
        ),
        charts::bars(&labels, &series, &format!("{metric} (percent)")),
        shown,
        &data_table(&labels, shown, &values),
    )
}
