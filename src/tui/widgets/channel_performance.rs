//! Widget body (to be written).

#[allow(unused_imports)]
use crate::store::{
    jobs::IngestionJob,
    metrics::{ChannelAggregate, DailyEngagement, ItemPerformance},
};
#[allow(unused_imports)]
use crate::tui::data::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::WidgetView;

pub fn render(_data: &Vec<ChannelAggregate>, _area: Rect, _buf: &mut Buffer, _view: &WidgetView) {}
