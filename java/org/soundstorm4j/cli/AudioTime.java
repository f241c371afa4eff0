package org.soundstorm4j.cli;

import java.util.Locale;

/**
 * Audio seconds of codec frames, and the real-time factor of producing them. The frame rate is
 * not in the model's config.json; it is the codec's, and the codecs SoundStorm is trained on
 * (SoundStream, SpeechTokenizer) run at 50 Hz.
 */
final class AudioTime {
    /** Codec frames per second of audio. */
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

    /** "16.00 s of audio (8 x 100 frames at 50 Hz) in 7.30 s: real-time factor 0.46 (...)". */
    static String closingLine(int batch, int frames, double generationSeconds) {
        long all = (long) batch * frames;
        return String.format(Locale.ROOT, "%.2f s of audio (%d x %d frames at %.0f Hz) in %.2f s: real-time factor %.3f"
                        + " (generation time / audio time; below 1 is faster than real time)",
                seconds(all), batch, frames, FRAME_RATE_HZ, generationSeconds, realTimeFactor(generationSeconds, all));
    }
}
