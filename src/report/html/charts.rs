//! The report's charts as inline SVG, drawn with plotters' SVG backend.
//!
//! Colours come from the Okabe–Ito palette, which stays distinguishable for
//! the common colour-vision deficiencies; the report names every series in a
//! text legend and gives every chart a text alternative, so colour is never
//! the only carrier of meaning.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Okabe–Ito, most distinct first (yellow, faint on white, comes late).
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),   // blue
    (230, 159, 0),   // orange
    (0, 158, 115),   // bluish green
    (213, 94, 0),    // vermillion
    (204, 121, 167), // reddish purple
    (86, 180, 233),  // sky blue
    (240, 228, 66),  // yellow
    (0, 0, 0),       // black
];

/// The colour of the `i`-th series (models beyond eight reuse colours).
pub fn colour(i: usize) -> (u8, u8, u8) {
    PALETTE[i % PALETTE.len()]
}

/// The CSS form of [`colour`].
pub fn css_colour(i: usize) -> String {
    let (r, g, b) = colour(i);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// One bar: a value in percent and its interval when there is one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Percent.
    pub value: f64,
    /// (low, high), percent.
    pub interval: Option<(f64, f64)>,
}

/// One model's bars, one per category (`None`: not scored).
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    /// The model's colour index (see [`colour`]): a model keeps its colour in every chart.
    pub colour: usize,
    /// Its values, aligned with the categories.
    pub bars: Vec<Option<Bar>>,
}

/// One model's line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSeries {
    /// The model's colour index (see [`colour`]).
    pub colour: usize,
    /// (x, y) points in order of x.
    pub points: Vec<(f64, f64)>,
}

const FONT: &str = "sans-serif";
const WIDTH: u32 = 720;
/// Axis labels and category names, as plotters sizes fonts (it writes
/// about 0.8 of this into the SVG: 16 gives 12.9 px; the 12 and 10 used
/// before gave 9.7 and 8.1 px, too small to read).
const LABEL_PX: u32 = 16;
/// The value printed at a bar's end (12.1 px in the SVG).
const VALUE_PX: u32 = 15;

type DrawResult = Result<(), String>;

fn failed<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Horizontal grouped bars on a 0-100 axis: a row per category, a bar per
/// series in series order, interval whiskers where present, the value at the
/// bar's end.
pub fn bars(categories: &[String], series: &[BarSeries], x_label: &str) -> Result<String, String> {
    let per_row = series.len().max(1) as u32;
    let height = 56 + categories.len().max(1) as u32 * (13 * per_row + 14);
    let label_width = categories
        .iter()
        .map(|c| c.chars().count() as u32 * 9 + 16)
        .max()
        .unwrap_or(40)
        .clamp(40, 240);
    draw(height, |root| {
        // Category i is centred on y = n - i (first at the top); integer key
        // points carry the category names.
        let n = categories.len() as f64;
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .margin_right(40)
            .x_label_area_size(44)
            .y_label_area_size(label_width)
            .build_cartesian_2d(0f64..100f64, 0.5f64..n.max(1.0) + 0.5)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(categories.len() + 1)
            .y_label_formatter(&|y| {
                if (y - y.round()).abs() > 1e-6 || y.round() < 1.0 {
                    return String::new();
                }
                let i = n - y.round();
                categories.get(i as usize).cloned().unwrap_or_default()
            })
            .x_desc(x_label)
            .label_style((FONT, LABEL_PX))
            .draw()
            .map_err(failed)?;
        let slot = 0.8 / per_row as f64;
        for (s, one) in series.iter().enumerate() {
            let (r, g, b) = colour(one.colour);
            let fill = RGBColor(r, g, b);
            for (c, bar) in one.bars.iter().enumerate() {
                let Some(bar) = bar else { continue };
                let top = n - c as f64 + 0.4 - s as f64 * slot;
                let bottom = top - slot * 0.9;
                let middle = (top + bottom) / 2.0;
                let value = bar.value.clamp(0.0, 100.0);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, bottom), (value, top)],
                        fill.filled(),
                    )))
                    .map_err(failed)?;
                let end = match bar.interval {
                    Some((low, high)) => {
                        let whisker = vec![
                            (low.clamp(0.0, 100.0), middle),
                            (high.clamp(0.0, 100.0), middle),
                        ];
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                whisker,
                                BLACK.stroke_width(1),
                            )))
                            .map_err(failed)?;
                        high.max(value)
                    }
                    None => value,
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{:.1}", bar.value),
                        (end.min(100.0) + 0.8, top),
                        (FONT, VALUE_PX).into_font(),
                    )))
                    .map_err(failed)?;
            }
        }
        Ok(())
    })
}

/// Lines on x in [0, 1] and y in [0, 100], one per series, with points.
pub fn lines(series: &[LineSeries], x_label: &str, y_label: &str) -> Result<String, String> {
    draw(300, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..1f64, 0f64..100f64)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .label_style((FONT, LABEL_PX))
            .draw()
            .map_err(failed)?;
        for one in series {
            let (r, g, b) = colour(one.colour);
            let style = RGBColor(r, g, b).stroke_width(2);
            chart
                .draw_series(
                    plotters::series::LineSeries::new(one.points.iter().copied(), style)
                        .point_size(2),
                )
                .map_err(failed)?;
        }
        Ok(())
    })
}

/// Draws on a white `WIDTH` x `height` canvas and returns the SVG text.
fn draw(
    height: u32,
    paint: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        paint(&root)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_draw_every_category_and_value() {
        let svg = bars(
            &["Struct".into(), "Sem & <x>".into()],
            &[
                BarSeries {
                    colour: 0,
                    bars: vec![
                        Some(Bar {
                            value: 75.5,
                            interval: Some((70.0, 80.0)),
                        }),
                        None,
                    ],
                },
                BarSeries {
                    colour: 1,
                    bars: vec![
                        Some(Bar {
                            value: 12.25,
                            interval: None,
                        }),
                        Some(Bar {
                            value: 40.0,
                            interval: None,
                        }),
                    ],
                },
            ],
            "percent",
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("Struct") && svg.contains("75.5") && svg.contains("12.2"));
        // Category text is escaped by the backend.
        assert!(svg.contains("Sem &amp; &lt;x&gt;"), "{svg}");
        assert!(svg.contains("#0072B2") || svg.contains("#0072b2"), "{svg}");
    }

    #[test]
    fn lines_draw_one_path_per_series() {
        let svg = lines(
            &[
                LineSeries {
                    colour: 0,
                    points: vec![(0.0, 100.0), (0.5, 50.0), (1.0, 10.0)],
                },
                LineSeries {
                    colour: 3,
                    points: vec![(0.0, 90.0), (1.0, 0.0)],
                },
            ],
            "threshold k",
            "R@k (%)",
        )
        .unwrap();
        // Axes are black polylines too; each series is one in its colour.
        for colour in ["#0072B2", "#D55E00"] {
            let line = format!("<polyline fill=\"none\" opacity=\"1\" stroke=\"{colour}\"");
            assert_eq!(svg.matches(&line).count(), 1, "{svg}");
        }
        assert!(svg.contains("threshold k"));
    }
}
