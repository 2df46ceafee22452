//! Forms: their state and key handling (pure), kept out of `app.rs`. The screens that draw them
//! live in `screens/`.

pub mod publish;
