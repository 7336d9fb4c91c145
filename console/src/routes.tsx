import { Navigate, Route, Routes as RouterRoutes } from 'react-router-dom';
import { AefiPage } from './pages/aefi/AefiPage';
import { Signals } from './pages/aefi/Signals';
import { Batches } from './pages/manufacturer/Batches';
import { Products } from './pages/manufacturer/Products';
import { DoseScreen } from './pages/clinic/DoseScreen';
import { Stock } from './pages/cdc/Stock';
import { AccessAudit } from './pages/regulator/AccessAudit';
import { BatchFind } from './pages/regulator/BatchFind';
import { BatchPage } from './pages/regulator/BatchPage';
import { RecallImpact } from './pages/regulator/RecallImpact';
import { Recalls } from './pages/regulator/Recalls';
import { Shipments } from './pages/shared/Shipments';
import { AppShell, MENU } from './shell/AppShell';
import { useSession } from './shell/session';
import { SignIn } from './shell/SignIn';

export const Routes = () => {
  const { actor, authMode } = useSession();
  if (authMode === null) return null;
  if (!actor) return <SignIn />;
  return (
    <AppShell>
      <RouterRoutes>
        <Route path="/batches" element={<BatchFind />} />
        <Route path="/batches/:batchId" element={<BatchPage />} />
        <Route path="/batches/:batchId/impact" element={<RecallImpact />} />
        <Route path="/recalls" element={<Recalls />} />
        <Route path="/aefi" element={<AefiPage />} />
        <Route path="/aefi/:reportId" element={<AefiPage />} />
        <Route path="/signals" element={<Signals />} />
        <Route path="/audit" element={<AccessAudit />} />
        <Route path="/stock" element={<Stock />} />
        <Route path="/shipments" element={<Shipments />} />
        <Route path="/doses" element={<DoseScreen />} />
        <Route path="/products" element={<Products />} />
        <Route path="/my-batches" element={<Batches />} />
        <Route path="*" element={<Navigate to={MENU[actor.role][0]!} replace />} />
      </RouterRoutes>
    </AppShell>
  );
};
