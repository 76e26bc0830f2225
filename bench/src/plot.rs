//! The benchmark's two pictures, as SVG and PNG, drawn with plotters.
//!
//! `cost_vs_size` plots the median guest instructions per `calloc` + `free`
//! round against the allocation size, log-log, one line per policy setup,
//! with the cache's entry limit marked: the always-zero line climbs with size
//! and drops at the limit (the macOS cliff), dirty tracking stays flat.
//! `cost_vs_written` plots the cost at 100 MiB against the written share,
//! and `cost_vs_read` the cost at 100 MiB of reading one byte of every page:
//! untouched with the 2 MiB zero page, untouched with the 4 KiB zero page
//! only, and after writing every page.
//!
//! All are drawn once per backend from the same code. Text in the PNGs is
//! rendered by plotters' pure-Rust `ab_glyph` support from a font embedded in
//! the binary (`bench/assets/fonts/`), so no system font, fontconfig or FreeType is
//! needed; the SVGs name the same family and leave rendering to the viewer.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;

use crate::error::BenchError;
use crate::output::write_error;
use crate::results::BenchResults;
use crate::series::{
    Line, cost_vs_read_lines, cost_vs_size_lines, cost_vs_written_lines, count_label, read_label,
    size_label, span, written_label,
};
use pristine::{Clock, Setup};
use pristine_allocator::{DirtyStrategy, Policy};
use pristine_records::AllocationSize;
use pristine_records::Written;

/// DejaVu Sans, embedded so the PNGs need no system font (see `assets/fonts/README.md`).
static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// The family name plotters asks for by default.
pub(crate) const FAMILY: &str = "sans-serif";

/// Picture size in pixels.
const SIZE: (u32, u32) = (1000, 650);

/// Registers the embedded font with plotters, once per process.
pub fn register_font() -> Result<(), BenchError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let registered = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if registered {
        Ok(())
    } else {
        Err(BenchError::Font)
    }
}

/// The three pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Picture {
    /// `cost_vs_size`: log-log, the cache limit marked.
    Size,
    /// `cost_vs_written`: at 100 MiB.
    Written,
    /// `cost_vs_read`: the read axis at 100 MiB.
    Read,
}

/// Writes the three plots as SVG and PNG into `dir`; returns the paths.
pub fn write_plots(dir: &Path, results: &BenchResults) -> Result<Vec<PathBuf>, BenchError> {
    register_font()?;
    let limit = results
        .cache_limits
        .and_then(|limits| AllocationSize::new(limits.max_entry_bytes).ok());
    let pictures = [
        (Picture::Size, "cost_vs_size", cost_vs_size_lines(results)),
        (
            Picture::Written,
            "cost_vs_written",
            cost_vs_written_lines(results),
        ),
        (Picture::Read, "cost_vs_read", cost_vs_read_lines(results)),
    ];
    let mut paths = Vec::new();
    for extension in ["svg", "png"] {
        for (picture, name, lines) in &pictures {
            let path = dir.join(format!("{name}.{extension}"));
            let drawn = if extension == "png" {
                let root = BitMapBackend::new(&path, SIZE).into_drawing_area();
                picture.draw(root, lines, limit)
            } else {
                let root = SVGBackend::new(&path, SIZE).into_drawing_area();
                picture.draw(root, lines, limit)
            };
            drawn.map_err(|message| write_error(&path, message))?;
            paths.push(path);
        }
    }
    Ok(paths)
}

impl Picture {
    /// Draws this picture of `lines` on `root` and writes it out; `limit`
    /// is the cache's entry limit the kernel printed, marked when known.
    fn draw<DB: DrawingBackend>(
        self,
        root: DrawingArea<DB, Shift>,
        lines: &[Line],
        limit: Option<AllocationSize>,
    ) -> Result<(), String> {
        match self {
            Picture::Size => draw_cost_vs_size(root, lines, limit),
            Picture::Written => draw_by_place(
                root,
                lines,
                &format!(
                    "calloc + free round at {}: cost against pages written",
                    AllocationSize::HUNDRED_MIB
                ),
                ("pages written per round (of 25,600)", Written::SWEEP.len()),
                &|place| written_label(*place),
            ),
            Picture::Read => draw_by_place(
                root,
                lines,
                &format!(
                    "calloc, read one byte of every page, free, at {}",
                    AllocationSize::HUNDRED_MIB
                ),
                ("what is read", Written::READS.len()),
                &|place| read_label(*place),
            ),
        }
    }
}

/// The log-log chart of cost against size, the cache limit marked.
fn draw_cost_vs_size<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    lines: &[Line],
    limit: Option<AllocationSize>,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (x_range, y_range) = (span(lines, |p| p.0, 1.3), span(lines, |p| p.1, 3.0));
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "calloc + free round, memory untouched: cost against size",
            (FAMILY, 24),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range.log_scale().base(2.0), y_range.clone().log_scale())
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("allocation size")
        .y_desc(format!("median {} per round", Clock::Instructions.unit()))
        .x_label_formatter(&|mib| size_label(*mib))
        .y_label_formatter(&|ticks| count_label(*ticks))
        .label_style((FAMILY, 15))
        .draw()
        .map_err(|e| e.to_string())?;
    if let Some(limit) = limit {
        let x = limit.mebibytes();
        chart
            .draw_series(DashedLineSeries::new(
                [(x, y_range.start), (x, y_range.end)],
                8,
                6,
                BLACK.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(format!(
                "cache entry limit ({limit}: larger blocks bypass the cache)"
            ))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.stroke_width(2)));
    }
    draw_lines(&mut chart, lines)?;
    finish(&root, &mut chart)
}

/// A chart of cost (log) against `places` categories named by `label`:
/// the written share, or the read axis, at 100 MiB.
fn draw_by_place<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    lines: &[Line],
    caption: &str,
    (x_desc, places): (&str, usize),
    label: &dyn Fn(&f64) -> String,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let y_range = span(lines, |p| p.1, 3.0);
    let last_place = places.saturating_sub(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, (FAMILY, 24))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.3..(last_place + 0.3), y_range.log_scale())
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .x_labels(places)
        .disable_x_mesh()
        .x_label_formatter(label)
        .y_desc(format!("median {} per round", Clock::Instructions.unit()))
        .y_label_formatter(&|ticks| count_label(*ticks))
        .label_style((FAMILY, 15))
        .draw()
        .map_err(|e| e.to_string())?;
    draw_lines(&mut chart, lines)?;
    finish(&root, &mut chart)
}

/// Draws each line with point markers and a legend entry.
fn draw_lines<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    lines: &[Line],
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for line in lines {
        let color = color_of(line.setup);
        let points = line.points.iter().copied();
        // dirty/sw often lies on dirty/hw: dashed, it lets the other show.
        let drawn = if line.setup.dirty == DirtyStrategy::Software
            && line.setup.policy == Policy::DirtyTracking
        {
            chart.draw_series(DashedLineSeries::new(points, 10, 6, color.stroke_width(2)))
        } else {
            chart.draw_series(LineSeries::new(points, color.stroke_width(3)))
        };
        drawn
            .map_err(|e| e.to_string())?
            .label(line.setup.to_string())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(3)));
        chart
            .draw_series(
                line.points
                    .iter()
                    .map(|&point| Circle::new(point, 4, color.filled())),
            )
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Draws the legend and writes the picture out.
pub(crate) fn finish<'a, DB, X, Y>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FAMILY, 15))
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// The colour of a setup's line.
fn color_of(setup: Setup) -> RGBColor {
    match (setup.policy, setup.dirty) {
        (Policy::NoCache, _) => RGBColor(31, 119, 180),
        (Policy::AlwaysZero, _) => RGBColor(214, 39, 40),
        (Policy::DirtyTracking, DirtyStrategy::Hardware) => RGBColor(44, 160, 44),
        (Policy::DirtyTracking, DirtyStrategy::Software) => RGBColor(255, 127, 14),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sweep_results;
    use pristine_allocator::CacheLimits;

    fn results() -> BenchResults {
        sweep_results(&[
            AllocationSize::kib(128),
            AllocationSize::HUNDRED_MIB,
            AllocationSize::mib(1024),
        ])
    }

    #[test]
    fn writes_svg_and_png_of_all_three_pictures() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut results = results();
        results.cache_limits = Some(CacheLimits::LIBMALLOC_LARGE_MACHINE);
        let paths = write_plots(dir.path(), &results).expect("plots are drawn");
        assert_eq!(paths.len(), 6);
        for path in &paths {
            let bytes = std::fs::read(path).expect("the plot exists");
            if path.extension().is_some_and(|ext| ext == "png") {
                assert_eq!(
                    bytes[..8],
                    *b"\x89PNG\r\n\x1a\n",
                    "{} is no PNG",
                    path.display()
                );
            } else {
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    text.starts_with("<svg") && text.contains("dirty/hw"),
                    "{}",
                    path.display()
                );
                if path.ends_with("cost_vs_size.svg") {
                    assert!(text.contains("cache entry limit (512 MiB"), "{text}");
                }
                if path.ends_with("cost_vs_read.svg") {
                    assert!(text.contains("4 KiB zero page"), "{text}");
                }
            }
        }
    }

    #[test]
    fn empty_results_still_draw() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let paths =
            write_plots(dir.path(), &BenchResults::default()).expect("empty plots are drawn");
        assert!(paths.iter().all(|path| path.is_file()));
    }
}
