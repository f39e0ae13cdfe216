//! What `--plot` draws: three panels (dividends, incentive, bonds) of lines over the
//! epochs, laid out once in pixels and then handed to a [`Canvas`] (SVG or raster).

use bt_yuma::scenario::EpochRecord;
use std::collections::BTreeMap;

/// Most lines drawn per panel; the largest ones are kept.
const MAX_SERIES: usize = 12;
/// Figure width in pixels.
pub const WIDTH: u32 = 960;
const PANEL_HEIGHT: u32 = 300;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 44.0;

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Line colours, cycled.
const PALETTE: [Rgb; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];
/// Axis, text and grid colours.
pub const INK: Rgb = [34, 34, 34];
const GRID: Rgb = [221, 221, 221];

/// How text is placed relative to its anchor point.
#[derive(Clone, Copy)]
pub enum Align {
    /// The point is the text's left end.
    Left,
    /// The point is the text's middle.
    Middle,
    /// The point is the text's right end.
    Right,
}

/// Where a figure is drawn.
pub trait Canvas {
    /// A polyline.
    fn polyline(&mut self, points: &[(f64, f64)], color: Rgb, width: f64);
    /// One line of text with its baseline's anchor at `(x, y)`; `size` is the cap height
    /// in pixels.
    fn text(&mut self, x: f64, y: f64, text: &str, size: f64, align: Align, color: Rgb);
}

/// One line: a label and one value in `[0, 1]` per epoch.
pub struct Series {
    label: String,
    values: Vec<f64>,
}

/// One panel: a title and its lines.
pub struct Panel {
    title: String,
    series: Vec<Series>,
}

/// The whole figure.
pub struct Figure {
    blocks: Vec<u64>,
    panels: Vec<Panel>,
}

impl Figure {
    /// Dividends and incentive per uid, and each bond cell, over the epochs; uids and
    /// cells that stay at zero are left out.
    pub fn from_records(records: &[EpochRecord]) -> Figure {
        let n = records.first().map_or(0, |r| r.incentive.len());
        let per_uid = |title: &str, pick: fn(&EpochRecord) -> &Vec<u16>| {
            Panel::new(
                title,
                (0..n).map(|uid| Series {
                    label: format!("uid {uid}"),
                    values: records.iter().map(|r| proportion(pick(r)[uid])).collect(),
                }),
            )
        };
        let mut cells: BTreeMap<(usize, u16), Vec<f64>> = BTreeMap::new();
        for (k, r) in records.iter().enumerate() {
            for (i, row) in r.bonds.iter().enumerate() {
                for &(j, v) in row {
                    cells.entry((i, j)).or_insert_with(|| vec![0.0; records.len()])[k] = proportion(v);
                }
            }
        }
        let bonds = Panel::new(
            "bonds (validator > miner)",
            cells.into_iter().map(|((i, j), values)| Series { label: format!("{i} > {j}"), values }),
        );
        Figure {
            blocks: records.iter().map(|r| r.block).collect(),
            panels: vec![
                per_uid("dividends", |r| &r.dividends),
                per_uid("incentive", |r| &r.incentive),
                bonds,
            ],
        }
    }

    /// Figure height in pixels.
    pub fn height(&self) -> u32 {
        PANEL_HEIGHT * self.panels.len() as u32
    }

    /// Draws the figure.
    pub fn draw(&self, canvas: &mut impl Canvas) {
        for (p, panel) in self.panels.iter().enumerate() {
            let top = f64::from(PANEL_HEIGHT) * p as f64;
            self.draw_panel(canvas, panel, top);
        }
    }

    fn draw_panel(&self, canvas: &mut impl Canvas, panel: &Panel, top: f64) {
        let (x0, x1) = (LEFT, f64::from(WIDTH) - RIGHT);
        let (y0, y1) = (top + f64::from(PANEL_HEIGHT) - BOTTOM, top + TOP);
        let epochs = self.blocks.len();
        let x_at = |k: usize| x0 + (x1 - x0) * if epochs > 1 { k as f64 / (epochs - 1) as f64 } else { 0.5 };
        let y_at = |v: f64| y0 + (y1 - y0) * v.clamp(0.0, 1.0);

        canvas.text(x0, top + 20.0, &panel.title, 12.0, Align::Left, INK);
        for t in 0..=4 {
            let v = f64::from(t) / 4.0;
            canvas.polyline(&[(x0, y_at(v)), (x1, y_at(v))], GRID, 1.0);
            canvas.text(x0 - 8.0, y_at(v) + 4.0, &format!("{v:.2}"), 8.0, Align::Right, INK);
        }
        canvas.polyline(&[(x0, y1), (x0, y0), (x1, y0)], INK, 1.0);
        for k in tick_epochs(epochs) {
            canvas.polyline(&[(x_at(k), y0), (x_at(k), y0 + 5.0)], INK, 1.0);
            canvas.text(x_at(k), y0 + 18.0, &self.blocks[k].to_string(), 8.0, Align::Middle, INK);
        }
        canvas.text((x0 + x1) / 2.0, y0 + 36.0, "block", 8.0, Align::Middle, INK);

        for (s, series) in panel.series.iter().enumerate() {
            let color = PALETTE[s % PALETTE.len()];
            let points: Vec<(f64, f64)> =
                series.values.iter().enumerate().map(|(k, &v)| (x_at(k), y_at(v))).collect();
            canvas.polyline(&points, color, 2.0);
            let y = y1 + 16.0 * s as f64;
            canvas.polyline(&[(x1 + 14.0, y - 4.0), (x1 + 34.0, y - 4.0)], color, 2.0);
            canvas.text(x1 + 40.0, y, &series.label, 8.0, Align::Left, INK);
        }
        if panel.series.is_empty() {
            canvas.text((x0 + x1) / 2.0, (y0 + y1) / 2.0, "all zero", 8.0, Align::Middle, INK);
        }
    }
}

impl Panel {
    /// Keeps the non-zero series, the `MAX_SERIES` largest if there are more.
    fn new(title: &str, series: impl Iterator<Item = Series>) -> Panel {
        let mut series: Vec<Series> = series.filter(|s| s.values.iter().any(|&v| v > 0.0)).collect();
        let mut title = title.to_string();
        if series.len() > MAX_SERIES {
            let hidden = series.len() - MAX_SERIES;
            let peak = |s: &Series| s.values.iter().copied().fold(0.0, f64::max);
            series.sort_by(|a, b| peak(b).total_cmp(&peak(a)));
            series.truncate(MAX_SERIES);
            title = format!("{title}, {MAX_SERIES} largest (+{hidden} more)");
        }
        Panel { title, series }
    }
}

fn proportion(v: u16) -> f64 {
    f64::from(v) / f64::from(u16::MAX)
}

/// At most about ten evenly spread epoch indices, first and last included.
fn tick_epochs(epochs: usize) -> Vec<usize> {
    if epochs == 0 {
        return Vec::new();
    }
    let step = epochs.div_ceil(10).max(1);
    let mut ticks: Vec<usize> = (0..epochs).step_by(step).collect();
    if ticks.last() != Some(&(epochs - 1)) {
        ticks.push(epochs - 1);
    }
    ticks
}
