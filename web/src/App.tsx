import { AppNavbar } from "./components/common/AppNavbar";
import { useRoute } from "./hooks/useRoute";
import { DetectScreen } from "./screens/DetectScreen";
import { EvaluateScreen } from "./screens/EvaluateScreen";
import { HistoryScreen } from "./screens/HistoryScreen";
import { ReviewQueueScreen } from "./screens/ReviewQueueScreen";
import { ReviewScreen } from "./screens/ReviewScreen";
import { StatsScreen } from "./screens/StatsScreen";

export function App() {
  const route = useRoute();
  return (
    <>
      <AppNavbar route={route} />
      <main className="section pt-5">
        <div className="container is-fluid">
          {/* Kept mounted: the photo lives only in this page's state and must survive a look at another screen. */}
          <div className={route.screen === "detect" ? "" : "is-hidden"}>
            <DetectScreen active={route.screen === "detect"} />
          </div>
          {route.screen === "history" && <HistoryScreen query={route.query} />}
          {route.screen === "queue" && <ReviewQueueScreen />}
          {route.screen === "review" && <ReviewScreen key={route.imageId} imageId={route.imageId} />}
          {route.screen === "evaluate" && <EvaluateScreen />}
          {route.screen === "stats" && <StatsScreen />}
        </div>
      </main>
    </>
  );
}
