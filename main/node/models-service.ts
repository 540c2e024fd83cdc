/**
 * Model packs behind the API: list, download (network only on this explicit request), import, verify, remove.
 * Downloads and imports run in the background; progress and completion are events (`model.progress`,
 * `model.updated`), so the UI shows a progress bar with speed and ETA and can cancel.
 */
import type { ApiErrorShape, EventName, EventPayload, ModelPack } from '../../preload/contract/index.js';
import { PackError, PackManager, type PackListing } from '../../native-models/packs/index.js';
import { ApiError } from '../../native-models/common/errors.js';
import { packPolicy } from './policy/policy.js';
import { ledgeredFetch, noLedger, type LedgerSink } from './privacy/ledger.js';

type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export function packErrorToApi(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof PackError) {
    const code =
      err.code === 'UNKNOWN_PACK' || err.code === 'NOT_INSTALLED'
        ? 'NOT_FOUND'
        : err.code === 'CANCELLED'
          ? 'CANCELLED'
          : err.code === 'POLICY'
            ? 'FORBIDDEN'
            : err.code === 'DISK_FULL'
              ? 'DISK_FULL'
              : err.code === 'BUSY'
                ? 'CONFLICT'
                : err.code === 'TERMS_NOT_ACCEPTED' ||
                    err.code === 'UNSAFE_ARCHIVE' ||
                    err.code === 'BAD_ARCHIVE' ||
                    err.code === 'MISSING_FILES'
                  ? 'INVALID_INPUT'
                  : 'ENGINE_ERROR';
    return new ApiError(code, err.message, { packError: err.code });
  }
  return new ApiError('INTERNAL', err instanceof Error ? err.message : String(err));
}

export class ModelsService {
  readonly packs: PackManager;
  private readonly running = new Map<string, AbortController>();

  constructor(
    dataDir: string,
    private readonly emit: Emit,
    /** Called when a pack was installed or removed, so engines reload. */
    private readonly onPacksChanged: () => void,
    packs?: PackManager,
    /** The privacy ledger: every download request (host, bytes, why) and every import. */
    private readonly ledger: LedgerSink = noLedger,
  ) {
    this.packs =
      packs ??
      new PackManager({ dataDir, policy: packPolicy(), fetchImpl: ledgeredFetch(ledger, 'user-asked download') });
  }

  private toApi(l: PackListing): ModelPack {
    const m = this.packs.manifest(l.id);
    return {
      id: l.id,
      name: l.name,
      version: l.version,
      kind: m.kind,
      description: m.description,
      status: l.status,
      outdated: l.outdated,
      installedVersion: l.installedVersion,
      bytesTotal: l.bytesTotal,
      bytesPresent: l.bytesPresent,
      cloning: m.capabilities.cloning,
      languages: m.capabilities.languages,
      presetVoices: m.capabilities.presetVoices.length,
      requiresTermsAcceptance: l.requiresTermsAcceptance,
      licence: { id: l.licence.id, url: l.licence.url, text: l.licence.text },
      problem: l.problem,
      ...(l.needsVerification ? { needsVerification: true } : {}),
      busy: this.running.has(l.id),
    };
  }

  private async pack(id: string): Promise<ModelPack> {
    try {
      return this.toApi(await this.packs.status(id));
    } catch (err) {
      throw packErrorToApi(err);
    }
  }

  async list(): Promise<ModelPack[]> {
    return (await this.packs.list()).map((l) => this.toApi(l));
  }

  /** Starts a background transfer and returns the pack's state right away. */
  private start(id: string, run: (signal: AbortSignal) => Promise<unknown>): void {
    const ac = new AbortController();
    this.running.set(id, ac);
    void run(ac.signal)
      .then(async () => {
        this.running.delete(id);
        this.onPacksChanged();
        this.emit('model.updated', { pack: await this.pack(id), error: null });
      })
      .catch(async (err: unknown) => {
        this.running.delete(id);
        const e: ApiErrorShape = packErrorToApi(err).toJSON();
        this.emit('model.updated', { pack: await this.pack(id).catch(() => null as never), error: e });
      });
  }

  async download(id: string, acceptTerms: boolean): Promise<ModelPack> {
    const m = (() => {
      try {
        return this.packs.manifest(id);
      } catch (err) {
        throw packErrorToApi(err);
      }
    })();
    if (this.running.has(id)) throw new ApiError('CONFLICT', `${m.name} is already being downloaded`);
    if (m.requiresTermsAcceptance && !acceptTerms)
      throw new ApiError('INVALID_INPUT', `${m.name} is licensed ${m.licence.id}: accept its terms to download it`, {
        packError: 'TERMS_NOT_ACCEPTED',
      });
    this.start(id, (signal) =>
      this.packs.download(id, { signal, acceptTerms, onProgress: (p) => this.emit('model.progress', p) }),
    );
    return this.pack(id);
  }

  async import(source: string, acceptTerms: boolean): Promise<ModelPack> {
    try {
      const listing = await this.packs.import(source, {
        acceptTerms,
        onProgress: (p) => this.emit('model.progress', p),
      });
      this.onPacksChanged();
      const pack = this.toApi(listing);
      this.ledger.record('file.imported', { kind: 'model-pack', packId: pack.id, bytes: pack.bytesPresent });
      this.emit('model.updated', { pack, error: null });
      return pack;
    } catch (err) {
      throw packErrorToApi(err);
    }
  }

  async cancel(id: string): Promise<ModelPack> {
    this.running.get(id)?.abort();
    return this.pack(id);
  }

  async verify(id: string) {
    try {
      return await this.packs.verify(id);
    } catch (err) {
      throw packErrorToApi(err);
    }
  }

  async remove(id: string): Promise<ModelPack> {
    if (this.running.has(id)) throw new ApiError('CONFLICT', 'Cancel the download before removing the pack');
    try {
      await this.packs.remove(id);
    } catch (err) {
      throw packErrorToApi(err);
    }
    this.onPacksChanged();
    const pack = await this.pack(id);
    this.emit('model.updated', { pack, error: null });
    return pack;
  }

  close(): void {
    for (const ac of this.running.values()) ac.abort();
  }
}
