//! The figure as an SVG document.

use crate::plot::{Align, Canvas, Figure, Rgb, WIDTH};
use std::fmt::Write;

struct Svg(String);

fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

impl Canvas for Svg {
    fn polyline(&mut self, points: &[(f64, f64)], color: Rgb, width: f64) {
        let points: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = writeln!(
            self.0,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{width}" stroke-linejoin="round"/>"#,
            points.join(" "),
            hex(color)
        );
    }

    fn text(&mut self, x: f64, y: f64, text: &str, size: f64, align: Align, color: Rgb) {
        let anchor = match align {
            Align::Left => "start",
            Align::Middle => "middle",
            Align::Right => "end",
        };
        // Cap height is about 0.7 of the font size.
        let _ = writeln!(
            self.0,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{:.0}" text-anchor="{anchor}" fill="{}">{}</text>"#,
            size / 0.7,
            hex(color),
            escape(text)
        );
    }
}

/// Renders the figure.
pub fn render(figure: &Figure) -> String {
    let height = figure.height();
    let mut svg = Svg(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" \
         font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
    ));
    figure.draw(&mut svg);
    svg.0.push_str("</svg>\n");
    svg.0
}
