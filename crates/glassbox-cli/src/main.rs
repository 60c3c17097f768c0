#![allow(dead_code)]
//! The `glassbox` command-line tool.

mod npy;
mod plot;
mod report;
mod runfolder;

fn main() {}
