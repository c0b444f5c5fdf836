-- Video sources (issue 16): where each camera's picture comes from. A camera without a row has
-- no video. 'simulated' is an ffmpeg test pattern with the camera's code and the time burned in.
CREATE TABLE video_source (
  camera_idx integer PRIMARY KEY REFERENCES camera (idx) ON DELETE CASCADE,
  source_kind text NOT NULL CHECK (source_kind IN ('rtsp', 'hls', 'simulated')),
  url text CHECK (url IS NULL OR length(url) BETWEEN 8 AND 2000),
  -- Re-encode to H.264 (sources in H.265/MJPEG); false copies the H.264 stream as it comes.
  transcode boolean NOT NULL DEFAULT false,
  -- Keep a rolling recording while the camera is watched (docs/video.md, recording).
  record boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((source_kind = 'simulated') = (url IS NULL))
);
