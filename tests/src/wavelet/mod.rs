//! `wavecube wavelet`: PyWavelets-equal `wavedec`/`waverec` on numbers in text files.
//!
//! - [`args`]: the options as clap parses them (their docs are the `--help`);
//! - this module: reading the numbers or the JSON, the transform, and the typed
//!   [`WaveletCliError`], which prints as one line naming the input and the problem.

pub mod args;

use std::io::{Read, Write};
use std::path::PathBuf;

use wavecube_dsp::wavelet::{dwt_max_level, wavedec, waverec, Mode, Wavelet, WaveletError};

pub use args::{DecArgs, RecArgs, TransformArgs, WaveletArgs, WaveletCommand};

/// A `wavecube wavelet` failure, naming the input (a file, or `<stdin>`) or the option.
#[derive(Debug, thiserror::Error)]
pub enum WaveletCliError {
    /// `--wavelet` or `--mode` is not a known name.
    #[error(transparent)]
    Name(WaveletError),
    /// The input cannot be read.
    #[error("{input}: cannot read: {source}")]
    Read {
        /// The file, or `<stdin>`.
        input: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A token of a `dec` input that is not a decimal number.
    #[error("{input}: line {line}: \"{token}\" is not a number")]
    NotANumber {
        /// The file, or `<stdin>`.
        input: String,
        /// 1-based line of the token.
        line: usize,
        /// The token as written.
        token: String,
    },
    /// A `dec` input value that is NaN or infinite.
    #[error("{input}: line {line}: \"{token}\" is not a finite number")]
    NotFinite {
        /// The file, or `<stdin>`.
        input: String,
        /// 1-based line of the value.
        line: usize,
        /// The token as written.
        token: String,
    },
    /// A `rec` input that is not a JSON array of arrays of numbers.
    #[error("{input}: not a JSON array of arrays of numbers ({reason})")]
    Json {
        /// The file, or `<stdin>`.
        input: String,
        /// serde_json's message, on one line.
        reason: String,
    },
    /// The transform refused the input: no numbers, level too high, mismatched arrays.
    #[error("{input}: {source}")]
    Transform {
        /// The file, or `<stdin>`.
        input: String,
        /// Why.
        source: WaveletError,
    },
    /// Standard output could not be written.
    #[error("cannot write the output: {0}")]
    Write(std::io::Error),
}

impl WaveletCliError {
    /// Process exit code: 2 for bad input or options, 1 when the output cannot be written.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Write(_) => 1,
            _ => 2,
        }
    }
}

/// Runs `wavecube wavelet dec|rec`, printing JSON on standard output.
///
/// # Errors
/// A [`WaveletCliError`] naming the input or option at fault.
pub fn run_wavelet(args: &WaveletArgs) -> Result<(), WaveletCliError> {
    let json = match &args.command {
        WaveletCommand::Dec(dec) => run_dec(dec)?,
        WaveletCommand::Rec(rec) => run_rec(rec)?,
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{json}")
        .and_then(|()| out.flush())
        .map_err(WaveletCliError::Write)
}

/// The wavelet and mode named by the options.
fn settings(args: &TransformArgs) -> Result<(Wavelet, Mode), WaveletCliError> {
    let wavelet = Wavelet::from_name(&args.wavelet).map_err(WaveletCliError::Name)?;
    let mode = Mode::from_name(&args.mode).map_err(WaveletCliError::Name)?;
    Ok((wavelet, mode))
}

/// The input's name for messages and its whole text.
fn read_input(path: Option<&PathBuf>) -> Result<(String, String), WaveletCliError> {
    let (name, result) = match path.filter(|p| p.as_os_str() != "-") {
        Some(path) => (path.display().to_string(), std::fs::read_to_string(path)),
        None => {
            let mut text = String::new();
            let r = std::io::stdin().read_to_string(&mut text).map(|_| text);
            ("<stdin>".to_owned(), r)
        }
    };
    match result {
        Ok(text) => Ok((name, text)),
        Err(source) => Err(WaveletCliError::Read {
            input: name,
            source,
        }),
    }
}

/// The finite decimal numbers of `text`, whitespace-separated.
pub fn parse_numbers(input: &str, text: &str) -> Result<Vec<f64>, WaveletCliError> {
    let mut values = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for token in line.split_whitespace() {
            let value: f64 = token.parse().map_err(|_| WaveletCliError::NotANumber {
                input: input.to_owned(),
                line: i + 1,
                token: token.to_owned(),
            })?;
            if !value.is_finite() {
                return Err(WaveletCliError::NotFinite {
                    input: input.to_owned(),
                    line: i + 1,
                    token: token.to_owned(),
                });
            }
            values.push(value);
        }
    }
    Ok(values)
}

fn run_dec(args: &DecArgs) -> Result<String, WaveletCliError> {
    let (wavelet, mode) = settings(&args.transform)?;
    let (input, text) = read_input(args.transform.input.as_ref())?;
    let x = parse_numbers(&input, &text)?;
    let level = args
        .level
        .unwrap_or_else(|| dwt_max_level(x.len(), wavelet.filter_len()));
    let coeffs =
        wavedec(&x, wavelet, level, mode).map_err(|source| WaveletCliError::Transform {
            input: input.clone(),
            source,
        })?;
    Ok(to_json(&coeffs))
}

fn run_rec(args: &RecArgs) -> Result<String, WaveletCliError> {
    let (wavelet, mode) = settings(&args.transform)?;
    let (input, text) = read_input(args.transform.input.as_ref())?;
    let coeffs: Vec<Vec<f64>> = serde_json::from_str(&text).map_err(|e| WaveletCliError::Json {
        input: input.clone(),
        reason: e.to_string(),
    })?;
    let x = waverec(&coeffs, wavelet, mode)
        .map_err(|source| WaveletCliError::Transform { input, source })?;
    Ok(to_json(&x))
}

/// Compact JSON with every float in shortest round-trip form.
fn to_json<T: serde::Serialize>(value: &T) -> String {
    // NOTE: the values are finite (inputs are checked, the transforms are linear), so
    // serialisation cannot fail; `null` would be the visible sign if it ever did.
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_across_lines_and_spaces() {
        let x = parse_numbers("t", "1 2\n\n-3.5e1\t4\n").unwrap();
        assert_eq!(x, [1.0, 2.0, -35.0, 4.0]);
        let err = parse_numbers("t", "1\n2 x\n").unwrap_err().to_string();
        assert_eq!(err, "t: line 2: \"x\" is not a number");
        let err = parse_numbers("t", "NaN").unwrap_err().to_string();
        assert_eq!(err, "t: line 1: \"NaN\" is not a finite number");
    }
}
