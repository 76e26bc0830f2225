//! The breakdown as a picture: one stacked bar per setup and written share.
//!
//! Each bar is one median round at 100 MiB (see `breakdown.rs`), stacked
//! from the parts in [`crate::breakdown::PARTS`] order, zeroing at the
//! bottom, so the bars show at a glance how much of each policy's round is
//! the clear it cannot avoid and how much is everything around it.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::breakdown::{BreakdownRow, PARTS};
use crate::error::BenchError;
use crate::output::write_error;
use crate::plot::{FAMILY, finish, register_font};
use crate::series::count_label;
use pristine::Clock;
use pristine_records::AllocationSize;

/// Picture size in pixels.
const SIZE: (u32, u32) = (1100, 650);

/// One colour per part, in [`PARTS`] order.
const COLORS: [RGBColor; 7] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(255, 127, 14),
    RGBColor(214, 39, 40),
    RGBColor(127, 127, 127),
];

/// Writes `breakdown.svg` and `breakdown.png` into `dir`; returns the paths.
pub fn write_plot(dir: &Path, rows: &[BreakdownRow]) -> Result<Vec<PathBuf>, BenchError> {
    register_font()?;
    let mut paths = Vec::new();
    for extension in ["svg", "png"] {
        let path = dir.join(format!("breakdown.{extension}"));
        let drawn = if extension == "png" {
            draw(BitMapBackend::new(&path, SIZE).into_drawing_area(), rows)
        } else {
            draw(SVGBackend::new(&path, SIZE).into_drawing_area(), rows)
        };
        drawn.map_err(|message| write_error(&path, message))?;
        paths.push(path);
    }
    Ok(paths)
}

/// The label under a bar: `dirty/hw 100 %`.
fn bar_label(row: &BreakdownRow) -> String {
    format!("{} {} %", row.setup, row.written)
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    rows: &[BreakdownRow],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let top = rows
        .iter()
        .map(|row| row.accounted().max(row.parts.round))
        .max()
        .unwrap_or(1) as f64
        * 1.35;
    let labels: Vec<String> = rows.iter().map(bar_label).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "where the instructions of a calloc + write + free round go, at {}",
                AllocationSize::HUNDRED_MIB
            ),
            (FAMILY, 24),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.5..(rows.len() as f64 - 0.5), 0.0..top)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(rows.len())
        .x_label_formatter(&|place| {
            let index = place.round();
            if (place - index).abs() < 0.01 && index >= 0.0 {
                labels.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc(format!(
            "{} in the median round",
            Clock::Instructions.unit()
        ))
        .y_label_formatter(&|ticks| count_label(*ticks))
        .label_style((FAMILY, 14))
        .draw()
        .map_err(|e| e.to_string())?;
    for (part, ((name, read), color)) in PARTS.iter().zip(COLORS).enumerate() {
        let bars = rows.iter().enumerate().map(|(index, row)| {
            let below: u64 = PARTS[..part]
                .iter()
                .map(|(_, other)| other(&row.parts))
                .sum();
            let height = read(&row.parts);
            let x = index as f64;
            Rectangle::new(
                [
                    (x - 0.35, below as f64),
                    (x + 0.35, (below + height) as f64),
                ],
                color.filled(),
            )
        });
        chart
            .draw_series(bars)
            .map_err(|e| e.to_string())?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
    }
    finish(&root, &mut chart)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::SETUPS;
    use pristine_records::{RoundParts, Written};

    #[test]
    fn the_plot_is_written_as_svg_and_png_with_its_bars_and_legend() {
        let parts = RoundParts {
            round: 1_000,
            engine: 100,
            page_tables: 200,
            zeroing: 500,
            ..RoundParts::default()
        };
        let rows: Vec<BreakdownRow> = SETUPS
            .iter()
            .map(|&setup| BreakdownRow {
                setup,
                written: Written::Percent(100),
                parts,
            })
            .collect();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let paths = write_plot(dir.path(), &rows).expect("the plot is written");
        assert_eq!(paths.len(), 2);
        let svg = std::fs::read_to_string(&paths[0]).expect("the SVG reads back");
        for row in &rows {
            let label = bar_label(row);
            assert!(svg.contains(&label), "no bar labelled {label}");
        }
        for (name, _) in PARTS {
            assert!(svg.contains(name), "no legend entry for {name}");
        }
        let png = std::fs::metadata(&paths[1]).expect("the PNG exists");
        assert!(png.len() > 0);
    }
}
