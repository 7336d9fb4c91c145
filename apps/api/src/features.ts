import type { Type } from '@nestjs/common';
import { AccessController } from './audit/access.controller';
import { BatchDosesController } from './features/batch-doses/batch-doses.controller';
import { AefiController, BatchAefiController } from './features/aefi/aefi.controller';
import { CertificatesController } from './features/certificates/certificates.controller';
import { StatusController } from './features/certificates/status.controller';
import { BatchesController } from './features/batches/batches.controller';
import { DestructionsController } from './features/destructions/destructions.controller';
import { DosesController } from './features/doses/doses.controller';
import { OrganisationsController } from './features/organisations/organisations.controller';
import { PersonsController } from './features/persons/persons.controller';
import { ProductsController } from './features/products/products.controller';
import { RecallsController } from './features/recalls/recalls.controller';
import { ShipmentsController } from './features/shipments/shipments.controller';
import { TraceabilityController } from './features/traceability/traceability.controller';
import { BatchListsController } from './features/traceability/batch-lists.controller';
import { BatchesListController } from './features/batches/batches-list.controller';
import { OrganisationsListController } from './features/organisations/organisations-list.controller';
import { ProductsListController } from './features/products/products-list.controller';
import { RecallsListController } from './features/recalls/recalls-list.controller';
import { ShipmentsListController } from './features/shipments/shipments-list.controller';
import { EpcisCaptureController } from './interop/epcis/capture/epcis-capture.controller';
import { EpcisQueryController } from './interop/epcis/epcis-query.controller';
import { FhirAdverseEventController } from './interop/fhir/fhir-adverse-event.controller';
import { FhirController } from './interop/fhir/fhir.controller';

export const FEATURE_CONTROLLERS: Type[] = [
  OrganisationsController,
  ProductsController,
  BatchesController,
  ShipmentsController,
  RecallsController,
  DestructionsController,
  DosesController,
  PersonsController,
  CertificatesController,
  StatusController,
  TraceabilityController,
  BatchDosesController,
  BatchListsController,
  AccessController,
  // Paged lists and searches (read-only, scoped like the detail reads).
  OrganisationsListController,
  ProductsListController,
  BatchesListController,
  ShipmentsListController,
  RecallsListController,
  AefiController,
  BatchAefiController,
  // Standards adapters (apps/api/src/interop): FHIR R4 reads, EPCIS 2.0 queries and capture.
  FhirController,
  FhirAdverseEventController,
  EpcisQueryController,
  EpcisCaptureController,
];
