import { installForgeKvsMock } from '../mocks/forge-kvs';
import { describeStoreContract } from '../store/store-contract';
import { KvsStore } from '../../src/forge/storage/kvs-store';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());

describeStoreContract('Forge KVS', async () => {
  installForgeKvsMock();
  return { store: new KvsStore(), openSecondConnection: async () => new KvsStore(), cleanup: async () => undefined };
});
