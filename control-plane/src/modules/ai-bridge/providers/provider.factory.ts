import { AnthropicClient } from './anthropic.provider';
import { OpenAiCompatibleClient } from './openai.provider';
import type { AiProviderClient, ProviderCallOptions } from './provider.types';

/** One client per provider kind (the `provider` column of `ai_model_config`). */
export function providerClients(opts: ProviderCallOptions): Record<'openai' | 'anthropic', AiProviderClient> {
  return { openai: new OpenAiCompatibleClient(opts), anthropic: new AnthropicClient(opts) };
}
