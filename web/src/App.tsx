import { AppNavbar } from "./components/AppNavbar";
import { DetectScreen } from "./components/DetectScreen";
import { EvaluateScreen } from "./components/EvaluateScreen";
import { HistoryScreen } from "./components/HistoryScreen";
import { ReviewScreen } from "./components/ReviewScreen";
import { StatsScreen } from "./components/StatsScreen";
import { useRoute } from "./hooks/useRoute";

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
          {route.screen === "review" && <ReviewScreen key={route.imageId} imageId={route.imageId} />}
          {route.screen === "evaluate" && <EvaluateScreen />}
          {route.screen === "stats" && <StatsScreen />}
        </div>
      </main>
    </>
  );
}
