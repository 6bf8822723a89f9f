import { useEffect, useRef, useState } from "react";
import { ApiError, detect, type DetectParams } from "../../api/client";
import type { DetectResult } from "../../api/types";
import { useElementSize } from "../../hooks/useElementSize";
import { useShownDetections } from "../../hooks/useShownDetections";
import { DetectionOverlay } from "./DetectionOverlay";

interface Props {
  params: DetectParams;
  minScore: number;
  onStop: () => void;
}

/** Why the camera could not be used, in words a user can act on. */
export function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") {
    return "The camera was refused. Allow this page to use it in the browser's site settings, then try again.";
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") return "No camera was found on this device.";
  if (name === "NotReadableError") return "The camera is in use by another program, or could not be started.";
  return `The camera could not be started${error instanceof Error && error.message ? `: ${error.message}` : "."}`;
}

/**
 * Live detection on the camera's picture: a frame is sent when the previous answer has arrived, so
 * the boxes follow at the rate the server sustains, and that rate is shown.
 */
export function WebcamDetection({ params, minScore, onStop }: Props) {
  const video = useRef<HTMLVideoElement | null>(null);
  const [measure, display] = useElementSize<HTMLVideoElement>();
  const [result, setResult] = useState<DetectResult | null>(null);
  const [fps, setFps] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const latestParams = useRef(params);
  latestParams.current = params;
  // The button that started the camera is gone once it runs: the keyboard focus goes to Stop.
  const stop = useRef<HTMLButtonElement>(null);
  useEffect(() => stop.current?.focus(), []);

  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | null = null;
    const controller = new AbortController();
    const start = async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        setProblem("This browser offers no camera to this page (it needs https or localhost).");
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      } catch (error) {
        setProblem(cameraProblem(error));
        return;
      }
      const element = video.current;
      if (stopped || !element) return;
      element.srcObject = stream;
      await element.play().catch(() => undefined);
      const canvas = document.createElement("canvas");
      let last = performance.now();
      while (!stopped) {
        if (element.videoWidth === 0) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        canvas.width = element.videoWidth;
        canvas.height = element.videoHeight;
        canvas.getContext("2d")!.drawImage(element, 0, 0);
        const frame = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
        if (!frame || stopped) continue;
        try {
          const answer = await detect(frame, { ...latestParams.current, store: false }, controller.signal);
          if (stopped) return;
          const now = performance.now();
          setResult(answer);
          setFps(1000 / (now - last));
          last = now;
        } catch (error) {
          if (stopped) return;
          setProblem(error instanceof ApiError ? error.message : String(error));
          return;
        }
      }
    };
    void start();
    return () => {
      stopped = true;
      controller.abort();
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, []);

  const { shown, colors } = useShownDetections(result, minScore);

  return (
    <section aria-label="Camera" className="has-text-centered">
      {problem && (
        <div className="notification is-warning is-light" role="alert" data-testid="camera-problem">
          {problem}
        </div>
      )}
      <div className="photo-frame">
        <video
          ref={(element) => {
            video.current = element;
            return measure(element);
          }}
          muted
          playsInline
          aria-label="Camera picture"
          data-testid="camera-video"
        />
        {result && display && (
          <DetectionOverlay detections={shown} image={result.image} display={display} colors={colors} />
        )}
      </div>
      <div className="is-flex is-justify-content-center is-align-items-center mt-2">
        <span className="mr-3" data-testid="camera-fps" aria-live="off">
          {fps === null ? "Waiting for the first answer…" : `${fps.toFixed(1)} frames per second`}
        </span>
        <button ref={stop} type="button" className="button is-small" onClick={onStop}>
          Stop
        </button>
      </div>
    </section>
  );
}
