package org.soundstorm4j.cli;

import java.util.Locale;

/**
 * Audio seconds of codec frames, and the real-time factor of producing them. The frame rate is
 * not in the model's config.json; it is the codec's: with a codec loaded its own
 * ({@code CodecConfig.frameRate()}: EnCodec's 24 kHz model runs at 75 Hz), else 50 Hz, the rate of
 * the codecs SoundStorm is trained on (SoundStream, SpeechTokenizer).
 */
final class AudioTime {
    /** Codec frames per second of audio where no codec says otherwise. */
    static final double FRAME_RATE_HZ = 50.0;

    private AudioTime() {
    }

    /** Seconds of audio in {@code frames} codec frames (summed over a batch). */
    static double seconds(long frames) {
        return frames / FRAME_RATE_HZ;
    }

    /** Generation time over audio time: below 1 is faster than real time. */
    static double realTimeFactor(double generationSeconds, long frames) {
        return generationSeconds / seconds(frames);
    }

    /** "16.00 s of audio (8 x 100 frames at 50 Hz) in 7.30 s: real-time factor 0.46 (...)", at {@code frameRate} Hz. */
    static String closingLine(int batch, int frames, double generationSeconds, double frameRate) {
        double audio = (double) batch * frames / frameRate;
        return String.format(Locale.ROOT, "%.2f s of audio (%d x %d frames at %s Hz) in %.2f s: real-time factor %.3f"
                        + " (generation time / audio time; below 1 is faster than real time)",
                audio, batch, frames, rate(frameRate), generationSeconds, generationSeconds / audio);
    }

    /** 50, 75, or 12.5: no trailing zeros. */
    private static String rate(double hz) {
        return hz == Math.rint(hz) ? String.valueOf((long) hz) : String.valueOf(hz);
    }
}
